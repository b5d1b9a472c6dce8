import Foundation

@testable import GLMTTSEngine

/// Transcribes audio with the real Whisper tiny.en model (faster-whisper in the project
/// venv), to check that synthesised speech is intelligible.
public enum Transcriber {
    /// The transcript of each WAV, in order. The Python process is waited for on a thread of
    /// its own, never on the cooperative pool (which blocking would starve, see CLI.run).
    public static func transcribe(_ audios: [AudioBuffer]) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try transcribeBlocking(audios) }) }.start()
        }
    }

    private static func transcribeBlocking(_ audios: [AudioBuffer]) throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("asr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, audio) in audios.enumerated() {
            let url = folder.appendingPathComponent("\(index).wav")
            try AudioEncoder.encode(audio, as: .wav).write(to: url)
            paths.append(url.path)
        }
        let process = Process()
        process.executableURL = TestEnvironment.python
        let model = try TestEnvironment.model("whisper-tiny.en").directory.path
        process.arguments = [TestEnvironment.packageRoot.appendingPathComponent("Tests/tools/transcribe.py").path, model] + paths
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["text"]
        }
    }

    /// The word recall a working synthesizer and recognizer always reach on one short
    /// sentence of unseeded audio (tiny.en mishears a word or two now and then), while
    /// silence, noise or the wrong language fall far below it.
    public static let workingRecall = 0.6

    /// Fraction of the expected words (lower-cased, letters only) found in `heard`.
    public static func wordRecall(expected: String, heard: String) -> Double {
        func words(_ text: String) -> [String] {
            // Apostrophes dropped: Whisper writes "we're" for "were" now and then.
            text.lowercased().filter { $0 != "'" && $0 != "\u{2019}" }.split { !$0.isLetter }.map(String.init)
        }
        let want = words(expected)
        var pool = words(heard)
        var found = 0
        for word in want {
            if let index = pool.firstIndex(of: word) {
                found += 1
                pool.remove(at: index)
            }
        }
        return want.isEmpty ? 1 : Double(found) / Double(want.count)
    }
}
