import Foundation

/// Where an S3-compatible store keeps our blobs: a bucket at an endpoint, in a region,
/// optionally under a key prefix. Written as `s3://BUCKET?endpoint=URL&region=R&prefix=P`
/// (`GLMTTS_BLOBS`); without `endpoint` it is AWS S3 in `region`.
public struct S3Location: Sendable, Equatable {
    /// The bucket (3–63 lower-case letters, digits, dots and hyphens).
    public let bucket: String
    /// The store's base URL (scheme, host, optional port), no path.
    public let endpoint: URL
    /// The signing region (`us-east-1` unless said otherwise).
    public let region: String
    /// Prepended to every key (empty, or ending in `/`): several deployments can share a bucket.
    public let prefix: String
    /// Whether the bucket is a host name (`BUCKET.host`, AWS's default) rather than the first
    /// path segment (`host/BUCKET`, what MinIO, SeaweedFS, Ceph and Garage expect).
    public let virtualHosted: Bool

    /// What is wrong with an `s3://` setting.
    public struct Invalid: Error, Equatable {
        /// What the setting must look like instead.
        public let expected: String
    }

    /// Parses `s3://BUCKET?endpoint=URL&region=R&prefix=P&addressing=path|virtual`.
    public init(parsing text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "s3",
            let bucket = components.host, components.path.isEmpty || components.path == "/"
        else {
            throw Invalid(expected: "s3://BUCKET?endpoint=URL&region=REGION&prefix=PREFIX/ (endpoint, region and prefix optional)")
        }
        guard Self.isValidBucket(bucket) else {
            throw Invalid(expected: "a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens after s3://")
        }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["endpoint", "region", "prefix", "addressing"].contains(item.name), options[item.name] == nil else {
                throw Invalid(expected: "only the options endpoint, region, prefix and addressing, each at most once")
            }
            options[item.name] = item.value ?? ""
        }
        let region = options["region"] ?? "us-east-1"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw Invalid(expected: "a region of letters, digits and hyphens (us-east-1)")
        }
        let endpoint: URL
        if let given = options["endpoint"] {
            guard let url = URL(string: given), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host?.isEmpty == false, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
            else { throw Invalid(expected: "endpoint=http(s)://HOST[:PORT] with no path, query or user") }
            endpoint = URL(string: "\(scheme)://\(url.host!)\(url.port.map { ":\($0)" } ?? "")")!
        } else {
            endpoint = URL(string: "https://s3.\(region).amazonaws.com")!
        }
        let prefix = options["prefix"] ?? ""
        guard prefix.isEmpty || (Self.isValidPrefix(prefix)) else {
            throw Invalid(expected: "a prefix of letters, digits, '-', '_', '.' and '/' segments ending in '/' (glmtts/)")
        }
        switch options["addressing"] {
        case nil: virtualHosted = options["endpoint"] == nil
        case "path": virtualHosted = false
        case "virtual": virtualHosted = true
        default: throw Invalid(expected: "addressing=path or addressing=virtual")
        }
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.prefix = prefix
    }

    /// The URL of object `key` (a key of ours: letters, digits, `-_./` only), or of the bucket
    /// itself when `key` is nil, with the path as sent (encoded for SigV4).
    func url(key: String?) -> (url: URL, host: String, path: String) {
        let objectPath = key.map { "/" + SigV4Signer.encode(prefix + $0, keepingSlashes: true) } ?? "/"
        let port = endpoint.port.map { ":\($0)" } ?? ""
        let host = virtualHosted ? "\(bucket).\(endpoint.host!)" : endpoint.host!
        let path = virtualHosted ? objectPath : "/\(bucket)" + (key == nil ? "" : objectPath)
        return (URL(string: "\(endpoint.scheme!)://\(host)\(port)\(path)")!, host + port, path)
    }

    /// The bucket's name rules (S3's, which every compatible store accepts).
    static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.first.map { $0.isLetter || $0.isNumber } == true
            && name.last.map { $0.isLetter || $0.isNumber } == true
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" }
            && !name.contains("..")
    }

    /// `a/b/`: non-empty segments of safe characters, ending in `/`.
    static func isValidPrefix(_ prefix: String) -> Bool {
        guard prefix.hasSuffix("/"), prefix.count <= 200 else { return false }
        return prefix.dropLast().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        }
    }
}
