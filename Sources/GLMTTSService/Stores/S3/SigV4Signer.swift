import Crypto
import Foundation

/// AWS Signature Version 4, header-based: the `Authorization` header of one request to one
/// service in one region (docs.aws.amazon.com, "Create a signed AWS API request").
///
/// The caller gives the request's method, its path exactly as it will be sent (already
/// URI-encoded, see `encode(_:keepingSlashes:)`), its query parameters (unencoded), the
/// headers it will send (at least `host`) and the hex SHA-256 of its body. Tested against
/// AWS's published SigV4 test suite and the S3 documentation's worked examples.
public struct SigV4Signer: Sendable {
    /// The keys that sign.
    public let credentials: S3Credentials
    /// The region the request goes to (`us-east-1` for most non-AWS stores).
    public let region: String
    /// The service's signing name (`s3`).
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The hex SHA-256 of the empty body.
    public static let emptyPayloadHash = hexSHA256(Data())

    /// The headers to add to the request: `x-amz-date`, `x-amz-security-token` (with a session
    /// token) and `authorization`. `headers` are those the request sends besides these; all
    /// of them are signed.
    public func signedHeaders(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, date: Date
    ) -> [(String, String)] {
        let stamp = Self.timestamp(date)
        var added = [("x-amz-date", stamp)]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        let request = CanonicalRequest(method: method, path: path, query: query, headers: headers + added, payloadHash: payloadHash)
        added.append(("authorization", authorization(request, timestamp: stamp)))
        return added
    }

    /// The `Authorization` header's value for `request`, signed at `timestamp` (`YYYYMMDDTHHMMSSZ`).
    func authorization(_ request: CanonicalRequest, timestamp: String) -> String {
        let scope = self.scope(day: String(timestamp.prefix(8)))
        return
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(request.signedHeaderNames), Signature=\(signature(request, timestamp: timestamp))"
    }

    /// The hex signature of `request` at `timestamp`.
    func signature(_ request: CanonicalRequest, timestamp: String) -> String {
        let key = signingKey(day: String(timestamp.prefix(8)))
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign(request, timestamp: timestamp).utf8), using: key))
    }

    /// The string to sign: algorithm, time, scope and the hash of the canonical request.
    func stringToSign(_ request: CanonicalRequest, timestamp: String) -> String {
        ["AWS4-HMAC-SHA256", timestamp, scope(day: String(timestamp.prefix(8))), Self.hexSHA256(Data(request.text.utf8))]
            .joined(separator: "\n")
    }

    /// The key derived for `day` (`YYYYMMDD`): HMACs of the day, region, service and `aws4_request`.
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// `day/region/service/aws4_request`.
    func scope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    /// `date` as SigV4's basic ISO 8601 timestamp in UTC (`20150830T123600Z`).
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    /// `text` percent-encoded as SigV4 requires: every byte but the unreserved `A-Z a-z 0-9
    /// - _ . ~` becomes `%XX` (upper-case hex); `/` is kept when `keepingSlashes` (object keys
    /// in a path).
    public static func encode(_ text: String, keepingSlashes: Bool = false) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                encoded.append("/")
            default:
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// The hex SHA-256 of `data`.
    public static func hexSHA256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
