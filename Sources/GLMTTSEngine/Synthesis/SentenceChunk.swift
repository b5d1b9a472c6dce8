/// One chunk of a text on its way through `SentenceStream`: its text and where it stands.
public struct SentenceChunk: Sendable {
    /// The chunk's text (a sentence, or a piece of a long one).
    public var text: String
    /// Its position in the text, from 0.
    public var index: Int
    /// How many chunks the text has.
    public var count: Int

    /// Whether this is the text's last chunk (no pause follows it).
    public var isLast: Bool { index == count - 1 }
}
