/// The keys that sign requests to an S3-compatible store (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and, for temporary credentials, `AWS_SESSION_TOKEN`).
///
/// Printing them shows the access key id only: the secret and the session token never
/// reach a log.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    /// The access key id (not secret; it names the key).
    public let accessKeyID: String
    /// The secret access key (signs; never sent, never logged).
    public let secretAccessKey: String
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "S3Credentials(\(accessKeyID), secret hidden)" }
}
