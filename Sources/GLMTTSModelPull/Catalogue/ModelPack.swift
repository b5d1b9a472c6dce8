/// A named group of catalogue entries pulled together (`glmtts models pull kokoro-v1.0`).
public struct ModelPack: Sendable, Codable, Equatable {
    /// The pack's id (never equal to an entry's id).
    public var id: String
    /// One-line description.
    public var description: String
    /// The entries it pulls, in order.
    public var members: [String]

    public init(id: String, description: String, members: [String]) {
        self.id = id
        self.description = description
        self.members = members
    }
}
