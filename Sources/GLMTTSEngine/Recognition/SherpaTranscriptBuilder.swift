import Foundation

/// Maps what sherpa-onnx decoded for a clip's windows to a `Transcript` (pure).
enum SherpaTranscriptBuilder {
    /// sherpa-onnx's language label as a plain code: SenseVoice's `<|en|>` → `en`; nil for
    /// an empty label and for SenseVoice's `<|nospeech|>`.
    static func languageCode(_ label: String) -> String? {
        var code = label.trimmingCharacters(in: .whitespaces)
        if code.hasPrefix("<|"), code.hasSuffix("|>"), code.count >= 4 {
            code = String(code.dropFirst(2).dropLast(2))
        }
        code = code.lowercased()
        return code.isEmpty || code == "nospeech" ? nil : code
    }

    /// The `Transcript` for the decoded windows of a clip of `duration` seconds.
    ///
    /// Text: the windows' trimmed texts joined by a space (none between CJK characters).
    /// Segments: a window's own segments if sherpa-onnx gave any, else one segment per
    /// window with text, from its first token's time (or its start) to its end. Language:
    /// the label sherpa-onnx reported (duration-weighted over windows), else the manifest's
    /// only language if it declares exactly one, else nil. `languageProbability`,
    /// `noSpeechProbability` and `compressionRatio` stay nil — except a SenseVoice window
    /// tagged `<|nospeech|>`, whose segment gets a no-speech probability of 1 — and
    /// `averageLogProbability` is the mean token log-probability when the model reports them.
    static func transcript(
        from windows: [SherpaDecodedWindow], family: SherpaRecognizerFamily, languages: [String],
        duration: Double
    ) -> Transcript {
        var text = ""
        var segments: [TranscriptSegment] = []
        var languageWeight: [String: Double] = [:]
        for window in windows {
            let windowText = window.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let code = languageCode(window.language), !windowText.isEmpty {
                languageWeight[code, default: 0] += window.duration
            }
            segments += self.segments(of: window, text: windowText, family: family)
            guard !windowText.isEmpty else { continue }
            if let last = text.last, let next = windowText.first,
                !(TextCharacterClass.isCJK(last) && TextCharacterClass.isCJK(next))
            {
                text += " "
            }
            text += windowText
        }
        let detected = languageWeight.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let language = detected ?? (languages.count == 1 ? languages[0] : nil)
        return Transcript(text: text, language: language, languageProbability: nil, duration: duration, segments: segments)
    }

    /// The transcript segments of one window (whose trimmed text is `text`): its own
    /// segments if sherpa-onnx gave any, else one for the whole window when it has text.
    private static func segments(of window: SherpaDecodedWindow, text: String, family: SherpaRecognizerFamily) -> [TranscriptSegment] {
        let noSpeech = family == .senseVoice && window.language.lowercased().contains("nospeech") ? 1.0 : nil
        let logProbability =
            window.logProbabilities.isEmpty
            ? nil : Double(window.logProbabilities.reduce(0, +)) / Double(window.logProbabilities.count)
        guard window.segments.isEmpty else {
            return window.segments.compactMap { segment in
                let segmentText = segment.text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !segmentText.isEmpty else { return nil }
                let start = window.offset + Double(max(segment.start, 0))
                return TranscriptSegment(
                    start: start, end: start + Double(max(segment.duration, 0)), text: segmentText,
                    averageLogProbability: logProbability, noSpeechProbability: noSpeech)
            }
        }
        guard !text.isEmpty else { return [] }
        let first = window.timestamps.first.map { min(max(Double($0), 0), window.duration) } ?? 0
        return [
            TranscriptSegment(
                start: window.offset + first, end: window.offset + window.duration, text: text,
                averageLogProbability: logProbability, noSpeechProbability: noSpeech)
        ]
    }
}
