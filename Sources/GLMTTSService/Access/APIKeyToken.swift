import Foundation
import GLMTTSEngine

/// The secret form of an API key, `gtts_<id>_<secret>`: the public id (12 hex digits) lets
/// the server find the record without scanning; the secret (64 hex digits, 256 random bits)
/// is checked against its stored SHA-256 in constant time.
public struct APIKeyToken: Sendable, Equatable {
    /// Prefix of every key (recognisable by secret scanners).
    public static let prefix = "gtts_"
    /// The public id.
    public let id: String
    /// The secret part.
    public let secret: String

    /// A new random key.
    public static func generate() -> APIKeyToken {
        APIKeyToken(id: RandomIdentifier.hex(bytes: 6), secret: RandomIdentifier.hex(bytes: 32))
    }

    private init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Parses `gtts_<12 hex>_<64 hex>`; nil for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix) else { return nil }
        let parts = text.dropFirst(Self.prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, RandomIdentifier.isHex(String(parts[0]), bytes: 6),
            RandomIdentifier.isHex(String(parts[1]), bytes: 32)
        else { return nil }
        self.init(id: String(parts[0]), secret: String(parts[1]))
    }

    /// The whole key, as clients send it.
    public var text: String { "\(Self.prefix)\(id)_\(secret)" }

    /// The stored form of the secret.
    public var secretHash: String { SHA256.hex(of: Data(secret.utf8)) }

    /// Whether `hash` is this secret's hash, comparing every byte (no early exit).
    public func matches(hash: String) -> Bool {
        let mine = Array(secretHash.utf8)
        let theirs = Array(hash.utf8)
        guard mine.count == theirs.count else { return false }
        var difference: UInt8 = 0
        for index in mine.indices { difference |= mine[index] ^ theirs[index] }
        return difference == 0
    }
}
