/// The result of re-hashing one installed model against its manifest.
public struct ModelVerification: Sendable, Codable, Equatable {
    /// The model.
    public var id: String
    /// Files whose digest was compared.
    public var checked: Int
    /// What differs, one sentence per file (empty when everything matches).
    public var problems: [String]
    /// False when the manifest records no digests (a model not installed by a pull).
    public var hasDigests: Bool

    public init(id: String, checked: Int, problems: [String], hasDigests: Bool) {
        self.id = id
        self.checked = checked
        self.problems = problems
        self.hasDigests = hasDigests
    }

    /// Whether every recorded file matched.
    public var passed: Bool { problems.isEmpty }
}
