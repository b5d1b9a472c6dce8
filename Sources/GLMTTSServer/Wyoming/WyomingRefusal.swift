/// Why a Wyoming event was refused: the text and problem code of the `error` event sent back.
struct WyomingRefusal: Error, Equatable {
    /// Our problem code (docs/API.md), as the `error` event's `code`.
    var code: String
    /// What went wrong and what to do.
    var text: String

    /// The `error` event.
    var event: WyomingEvent { .error(text, code: code) }
}
