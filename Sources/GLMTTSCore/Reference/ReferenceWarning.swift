/// Something about a reference clip the user should know, with a stable code.
public struct ReferenceWarning: Sendable, Codable, Equatable {
    /// Stable identifier (`reference.short`, `reference.clipping`, …).
    public var code: String
    /// Plain-language explanation with the fix.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
