/// One word of the input text with the time it is said.
public struct CaptionWord: Sendable, Codable, Equatable {
    /// The word as the input wrote it, with the punctuation that clings to it ("Hello,",
    /// "“Yes”"); for Chinese and Japanese, one character with its punctuation.
    public var text: String
    /// Start, seconds from the beginning of the audio.
    public var start: Double
    /// End, seconds.
    public var end: Double
    /// Index of the sentence (the job's chunk) the word belongs to.
    public var sentence: Int
    /// Whether the time came from the recognizer hearing the word (`true`) or was
    /// interpolated between its neighbours or spread over the sentence (`false`).
    public var heard: Bool

    public init(text: String, start: Double, end: Double, sentence: Int, heard: Bool) {
        self.text = text
        self.start = start
        self.end = end
        self.sentence = sentence
        self.heard = heard
    }
}
