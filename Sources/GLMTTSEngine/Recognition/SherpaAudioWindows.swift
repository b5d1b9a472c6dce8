/// Splits a clip into the windows a sherpa-onnx offline recognizer decodes one at a time.
enum SherpaAudioWindows {
    /// Splits `samples` into consecutive windows of at most `maxSeconds`, each cut at the
    /// quietest 20 ms frame within the last 3 s before the limit, so words are rarely cut.
    /// One window when the audio fits; none for empty audio.
    static func split(_ samples: [Float], sampleRate: Int, maxSeconds: Double) -> [Range<Int>] {
        let limit = max(Int(maxSeconds * Double(sampleRate)), 1)
        guard samples.count > limit else { return samples.isEmpty ? [] : [0..<samples.count] }
        let frame = max(sampleRate / 50, 1)
        let lookBack = min(3 * sampleRate, limit / 2)
        var windows: [Range<Int>] = []
        var start = 0
        while samples.count - start > limit {
            let cut = quietestCut(samples, before: start + limit, lookBack: lookBack, frame: frame)
            windows.append(start..<cut)
            start = cut
        }
        windows.append(start..<samples.count)
        return windows
    }

    /// The middle of the quietest `frame`-long stretch in the `lookBack` samples before `end`
    /// (`end` itself when there is no whole frame to look at).
    private static func quietestCut(_ samples: [Float], before end: Int, lookBack: Int, frame: Int) -> Int {
        var cut = end
        var quietest = Float.infinity
        var frameStart = end - lookBack
        while frameStart + frame <= end {
            var energy: Float = 0
            for index in frameStart..<(frameStart + frame) { energy += samples[index] * samples[index] }
            if energy < quietest {
                quietest = energy
                cut = frameStart + frame / 2
            }
            frameStart += frame
        }
        return cut
    }
}
