import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The five S3 calls the blob store needs — put, get, delete, list and head-bucket — and its
/// readiness probe, signed with SigV4 on async-http-client. Every body is hashed and signed (no unsigned payloads);
/// redirects are not followed (a signed request must not wander); a connection that takes
/// over 5 s or an answer silent for 30 s counts as unreachable. A failure in passing — a
/// 500, 502, 503 or 504, a refused or dropped connection — is tried again (`retryWaits`), as
/// AWS's own SDKs do: every call here is idempotent, and a store that restarts answers so for
/// seconds. One per process; `shutdown()` before the process ends.
public final class S3Client: Sendable {
    /// The bucket, endpoint, region and prefix.
    public let location: S3Location
    let signer: SigV4Signer
    let http: HTTPClient
    /// The largest object we read back (results and uploads are far smaller).
    static let maxObjectBytes = 4 << 30
    /// The largest listing page (1,000 keys are about 300 KB).
    static let maxListingBytes = 16 << 20
    /// The waits before each new try of a call that failed in passing (a store still down
    /// after them gets a clear 503, not a long hang).
    static let retryWaits: [Duration] = [.milliseconds(200), .milliseconds(600), .milliseconds(1800)]
    /// The object the readiness probe writes and reads back, beside the blob folders (the
    /// retention sweeper lists only `uploads/` and `outputs/`).
    static let probeKey = "readiness-probe"
    static let probeBody = Data("GLM-TTS readiness probe: this object may be deleted at any time.\n".utf8)

    public init(location: S3Location, credentials: S3Credentials) {
        self.location = location
        signer = SigV4Signer(credentials: credentials, region: location.region)
        http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(30))))
    }

    /// Closes its connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// Stores `data` under `key`.
    func put(_ data: Data, key: String) async throws(S3Error) {
        _ = try await send(.PUT, key: key, body: data, accept: [200])
    }

    /// The object under `key`, nil when there is none.
    func get(key: String) async throws(S3Error) -> Data? {
        let (status, body) = try await send(.GET, key: key, accept: [200, 404], limit: Self.maxObjectBytes)
        return status == 404 ? nil : body
    }

    /// Deletes the object under `key` (a missing one is fine: S3 answers 204 either way).
    func delete(key: String) async throws(S3Error) {
        _ = try await send(.DELETE, key: key, accept: [200, 204, 404])
    }

    /// Every object whose key starts with `prefix` (relative to the location's prefix), page by page.
    func list(prefix: String) async throws(S3Error) -> [S3Object] {
        var objects: [S3Object] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", location.prefix + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let (_, body) = try await send(.GET, key: nil, query: query, accept: [200], limit: Self.maxListingBytes)
            let xml = Substring(String(decoding: body, as: UTF8.self))
            guard xml.contains("<ListBucketResult") else { throw .malformedAnswer(reason: "a listing without ListBucketResult") }
            for entry in S3XML.blocks(of: "Contents", in: xml) {
                guard let key = S3XML.value(of: "Key", in: entry), key.hasPrefix(location.prefix) else { continue }
                let modified = S3XML.value(of: "LastModified", in: entry).flatMap(Self.parseTimestamp)
                objects.append(S3Object(key: String(key.dropFirst(location.prefix.count)), lastModified: modified))
            }
            let truncated = S3XML.value(of: "IsTruncated", in: xml) == "true"
            token = truncated ? S3XML.value(of: "NextContinuationToken", in: xml) : nil
            if truncated && token == nil { throw .malformedAnswer(reason: "a truncated listing without a continuation token") }
        } while token != nil
        return objects
    }

    /// Succeeds when the bucket exists and these credentials may use it; tries once and gives
    /// up after 2 s (a readiness probe must answer sooner than the store's slowest request).
    public func headBucket() async throws(S3Error) {
        _ = try await sendOnce(.HEAD, key: nil, accept: [200], timeout: .seconds(2))
    }

    /// Succeeds when the bucket takes a small object and gives the same bytes back, each call
    /// tried once within 2 s: what serving files needs. A HEAD of the bucket alone is not
    /// enough — a SeaweedFS that has just restarted answers it at once and every GET of an
    /// object with 500 for seconds after, until its volume server has registered.
    public func probeReadAndWrite() async throws(S3Error) {
        _ = try await sendOnce(.PUT, key: Self.probeKey, body: Self.probeBody, accept: [200], timeout: .seconds(2))
        let (_, read) = try await sendOnce(.GET, key: Self.probeKey, accept: [200], timeout: .seconds(2))
        guard read == Self.probeBody else { throw .malformedAnswer(reason: "the probe object came back changed") }
    }

    /// `sendOnce`, tried again after each of `retryWaits` while the failure is in passing.
    private func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: Data? = nil, accept: Set<Int>,
        limit: Int = 1 << 20
    ) async throws(S3Error) -> (Int, Data) {
        var waits = Self.retryWaits[...]
        while true {
            do {
                return try await sendOnce(method, key: key, query: query, body: body, accept: accept, limit: limit)
            } catch let error where Self.isInPassing(error) && !waits.isEmpty {
                try? await Task.sleep(for: waits.removeFirst())
            }
        }
    }

    /// Whether `error` is one that the same request may not meet again a moment later.
    static func isInPassing(_ error: S3Error) -> Bool {
        switch error {
        case let .refused(status, _, _): return [500, 502, 503, 504].contains(status)
        case let .unreachable(reason): return reason == refusedConnection || reason == closedConnection
        case .malformedAnswer: return false
        }
    }

    static let refusedConnection = "connection refused"
    static let closedConnection = "connection closed"

    /// Signs and sends one request; throws unless the status is in `accept`. Returns the status and body.
    private func sendOnce(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: Data? = nil, accept: Set<Int>,
        limit: Int = 1 << 20, timeout: TimeAmount = .seconds(60)
    ) async throws(S3Error) -> (Int, Data) {
        let target = location.url(key: key)
        let payload = body ?? Data()
        let payloadHash = SigV4Signer.hexSHA256(payload)
        var headers = [("host", target.host), ("x-amz-content-sha256", payloadHash)]
        if body != nil { headers.append(("content-length", String(payload.count))) }
        headers += signer.signedHeaders(
            method: method.rawValue, path: target.path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        let queryText = query.map { "\(SigV4Signer.encode($0.0))=\(SigV4Signer.encode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: target.url.absoluteString + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = method
        // The signed host, port included, is sent as is; async-http-client sets content-length from the body.
        for (name, value) in headers where name != "content-length" { request.headers.add(name: name, value: value) }
        if body != nil { request.body = .bytes(ByteBuffer(bytes: payload)) }
        let status: Int
        let answer: Data
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            let collected = try await response.body.collect(upTo: accept.contains(status) ? limit : 1 << 20)
            answer = Data(collected.readableBytesView)
        } catch let error as NIOTooManyBytesError {
            throw .malformedAnswer(reason: "an answer over \(error.maxBytes.map(String.init) ?? "the limit") bytes")
        } catch {
            throw .unreachable(reason: Self.describe(error))
        }
        guard accept.contains(status) else {
            let xml = Substring(String(decoding: answer, as: UTF8.self))
            throw .refused(
                status: status, code: S3XML.value(of: "Code", in: xml) ?? Self.statusCode(status),
                message: S3XML.value(of: "Message", in: xml) ?? "")
        }
        return (status, answer)
    }

    /// A name for an answer without an error document (HEAD answers have no body).
    static func statusCode(_ status: Int) -> String {
        switch status {
        case 403: return "AccessDenied"
        case 404: return "NoSuchBucket"
        case 503: return "SlowDown"
        default: return "HTTP\(status)"
        }
    }

    /// A short description of a transport error (no URL, no headers: nothing secret).
    static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return "connection timed out"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return closedConnection
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return refusedConnection }
        return String(text.prefix(120))
    }

    /// S3's `2026-12-04T10:00:00.000Z` (fractional seconds optional).
    static func parseTimestamp(_ text: String) -> Date? {
        let whole = text.split(separator: ".").first.map(String.init) ?? text
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: whole.hasSuffix("Z") ? whole : whole + "Z")
    }
}
