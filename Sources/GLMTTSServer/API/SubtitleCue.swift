/// One timed line of a subtitle document.
struct SubtitleCue: Equatable {
    /// Start, seconds.
    var start: Double
    /// End, seconds.
    var end: Double
    /// What it shows (one line; the writer keeps it so).
    var text: String
}
