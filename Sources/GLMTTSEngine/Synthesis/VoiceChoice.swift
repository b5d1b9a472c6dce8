/// Which voice speaks a text, and why.
public struct VoiceChoice: Sendable, Equatable {
    /// The synthesizer model that speaks.
    public var voiceID: String
    /// The languages of the text (primary codes, commonest first); empty when the text has
    /// no letters to tell a language by.
    public var languages: [String]
    /// True when the caller named the voice, false when it was chosen for the text's language.
    public var named: Bool

    public init(voiceID: String, languages: [String], named: Bool) {
        self.voiceID = voiceID
        self.languages = languages
        self.named = named
    }
}
