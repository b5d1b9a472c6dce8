import Foundation

/// The text of a streamed synthesis (`synthesize-chunk` events, typically an LLM's tokens)
/// cut into whole sentences as they complete, so each can be spoken while the rest arrives.
///
/// A sentence ends at `.`, `!`, `?`, `;`, `…` or a line break followed by white space (so
/// "3.5" and "e.g." inside a word are not cut), or at once at a CJK full stop, exclamation
/// or question mark (Chinese and Japanese put no space after them).
struct StreamedTextBuffer {
    private(set) var pending = ""
    /// Characters received so far, for the limit on one stream's text.
    private(set) var receivedCharacters = 0

    /// Adds a chunk and returns the whole sentences now complete (nil when none is).
    mutating func append(_ chunk: String) -> String? {
        pending += chunk
        receivedCharacters += chunk.count
        guard let end = lastSentenceEnd() else { return nil }
        let ready = String(pending[..<end])
        pending = String(pending[end...])
        return ready.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : ready
    }

    /// The rest of the text (the last sentence, unterminated), emptying the buffer.
    mutating func finish() -> String? {
        let rest = pending
        pending = ""
        return rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : rest
    }

    private static let latinEnds: Set<Character> = [".", "!", "?", ";", "…"]
    private static let cjkEnds: Set<Character> = ["。", "！", "？", "；"]

    /// The index just after the last complete sentence of `pending`.
    private func lastSentenceEnd() -> String.Index? {
        var index = pending.endIndex
        while index > pending.startIndex {
            let previous = pending.index(before: index)
            let character = pending[previous]
            if Self.cjkEnds.contains(character) { return index }
            if character.isNewline { return index }
            if character.isWhitespace, previous > pending.startIndex {
                let before = pending[pending.index(before: previous)]
                if Self.latinEnds.contains(before) || Self.cjkEnds.contains(before) { return index }
            }
            index = previous
        }
        return nil
    }
}
