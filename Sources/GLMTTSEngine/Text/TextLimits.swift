/// Size limits for text to synthesise.
///
/// - `maxCharacters` (default 5 000): the most characters (grapheme clusters, counted after
///   ``TextValidator`` clean-up) one request may carry. About five minutes of speech; longer
///   work belongs in several requests or the batch API, so that one request cannot hold an
///   engine for long and progress stays meaningful.
/// - `maxChunkCharacters` (default 300): the most characters one chunk handed to an engine may
///   have (see ``SentenceSplitter``). Sentence-level engines (Piper/VITS, Kokoro) lose prosody
///   and attention quality on very long inputs; 300 characters is two or three long English
///   sentences or one long Chinese paragraph. Engines may use a smaller value.
/// - `maxInputBytes` (default 16 MiB): raw UTF-8 bytes accepted before clean-up even starts,
///   which bounds the work spent on a hostile input.
///
/// Values below 1 are raised to 1.
public struct TextLimits: Sendable, Equatable, Hashable, Codable {
    /// Most characters (grapheme clusters after clean-up) in one request.
    public var maxCharacters: Int
    /// Most characters in one chunk handed to an engine.
    public var maxChunkCharacters: Int
    /// Most raw UTF-8 bytes looked at before clean-up.
    public var maxInputBytes: Int

    /// The documented defaults: 5 000 characters, 300 per chunk, 16 MiB raw input.
    public static let `default` = TextLimits()

    /// Creates limits; values below 1 are raised to 1.
    public init(maxCharacters: Int = 5_000, maxChunkCharacters: Int = 300, maxInputBytes: Int = 16 << 20) {
        self.maxCharacters = max(1, maxCharacters)
        self.maxChunkCharacters = max(1, maxChunkCharacters)
        self.maxInputBytes = max(1, maxInputBytes)
    }
}
