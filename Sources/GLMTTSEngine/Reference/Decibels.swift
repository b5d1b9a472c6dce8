import Foundation

/// Level conversions.
enum Decibels {
    /// dBFS of a mean square (power); −120 for silence.
    static func from(meanSquare: Double) -> Double {
        meanSquare > 1e-12 ? 10 * log10(meanSquare) : -120
    }

    /// dBFS of a linear amplitude; −120 for silence.
    static func from(amplitude: Double) -> Double {
        amplitude > 1e-6 ? 20 * log10(amplitude) : -120
    }
}
