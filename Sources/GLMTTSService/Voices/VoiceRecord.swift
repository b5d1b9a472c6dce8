import Foundation
import GLMTTSEngine

/// A saved reference voice: a prepared clip (stored as `voices/<id>.wav`) and its text.
public struct VoiceRecord: Sendable, Codable, Equatable {
    /// Unguessable id (32 hex digits); the file name is built from it, never from `name`.
    public var id: String
    /// Display name chosen by the user (any text; never used on disk).
    public var name: String
    /// When it was saved.
    public var createdAt: Date
    /// Transcript of the clip.
    public var referenceText: String?
    /// Whether `referenceText` came from automatic transcription.
    public var transcribed: Bool
    /// Quality report of the prepared clip.
    public var quality: ReferenceQualityReport
    /// Who saved it (API key id; nil when keys are off).
    public var owner: String?

    public init(
        id: String = RandomIdentifier.hex(bytes: 16), name: String, createdAt: Date = Date(),
        referenceText: String?, transcribed: Bool, quality: ReferenceQualityReport, owner: String? = nil
    ) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.referenceText = referenceText
        self.transcribed = transcribed
        self.quality = quality
        self.owner = owner
    }

    /// Whether `text` has the shape of a voice id (so it can name a file safely).
    public static func isValidID(_ text: String) -> Bool { RandomIdentifier.isHex(text, bytes: 16) }
}
