/// The words of a job's text with their times in its audio, and how they were timed.
public struct Captions: Sendable, Codable, Equatable {
    /// Every word of the input, in order.
    public var words: [CaptionWord]
    /// The job's sentences (chunks) with their exact spans in the audio.
    public var sentences: [SpokenSentence]
    /// Length of the audio, seconds.
    public var duration: Double
    /// The recognizer whose word timestamps were aligned to the text; nil when none could
    /// hear the language, and every word's time is an estimate within its sentence.
    public var recognizer: String?
    /// Why no recognizer timed the words, when none did.
    public var estimatedBecause: String?
    /// Seconds spent transcribing and aligning.
    public var alignmentSeconds: Double

    public init(
        words: [CaptionWord], sentences: [SpokenSentence], duration: Double, recognizer: String?,
        estimatedBecause: String?, alignmentSeconds: Double
    ) {
        self.words = words
        self.sentences = sentences
        self.duration = duration
        self.recognizer = recognizer
        self.estimatedBecause = estimatedBecause
        self.alignmentSeconds = alignmentSeconds
    }

    /// How many words the recognizer heard (the rest were interpolated).
    public var heardWordCount: Int { words.count(where: \.heard) }
}
