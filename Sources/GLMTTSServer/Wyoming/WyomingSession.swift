import Foundation
import GLMTTSEngine
import GLMTTSService

/// The conversation on one Wyoming connection: each event the client sends is answered
/// here, through the same queue, limits and engines as HTTP (`APIHandler.submit`, so a full
/// queue, a text over the limit or an unknown voice are refused the same way).
///
/// - `describe` → `info` (`WyomingInfo`); `ping` → `pong`.
/// - `synthesize` → one job; its audio goes out as `audio-start`, `audio-chunk`s (16-bit
///   mono PCM at the voice's rate, 1024 samples each) and `audio-stop`, sentence by sentence
///   as the engine makes them.
/// - `synthesize-start`, `synthesize-chunk`…, `synthesize-stop` (streamed text): every
///   sentence is spoken as soon as it is complete (`StreamedTextBuffer`), each with its own
///   `audio-start`…`audio-stop`, then `synthesize-stopped`; the `synthesize` a client sends
///   inside the stream for older servers is ignored.
/// - `transcribe`, `audio-start`, `audio-chunk`…, `audio-stop` → `transcript`.
///
/// A refused event is answered with an `error` event (our problem code and a message that
/// says what to do) and the connection stays usable. The session throws only when the
/// connection is gone (a write failed, or the task was cancelled); the job it was running
/// is then cancelled.
struct WyomingSession {
    /// The operations shared with HTTP (jobs are made as in open mode: no key, no owner).
    let handler: APIHandler
    /// Writes one event to the client; throws when the connection is gone.
    let send: @Sendable (WyomingEvent) async throws -> Void

    /// Samples per `audio-chunk` (wyoming-piper's default).
    static let samplesPerChunk = 1024

    private var dependencies: ServerDependencies { handler.dependencies }
    /// The voice and text so far of a streamed synthesis (between `synthesize-start` and `-stop`).
    private var stream: (voice: [String: JSONValue]?, text: StreamedTextBuffer)?
    /// Whether the current stream went over the text limit: its other chunks are ignored
    /// (one error was sent), and its `synthesize-stop` still gets `synthesize-stopped`.
    private var streamDropped = false
    /// The recognizer and language a `transcribe` asked for.
    private var transcription: (model: String?, language: String?)?
    /// Audio received since `audio-start`; nil outside one, or after it was refused.
    private var audio: (format: WyomingAudioFormat, bytes: [UInt8])?
    /// Whether the audio since `audio-start` was refused (its chunks are then ignored).
    private var audioRefused = false

    init(handler: APIHandler, send: @escaping @Sendable (WyomingEvent) async throws -> Void) {
        self.handler = handler
        self.send = send
    }

    /// Answers one event; throws only when the connection is gone.
    mutating func handle(_ event: WyomingEvent) async throws {
        do {
            try await answer(event)
        } catch let refusal as WyomingRefusal {
            try await send(refusal.event)
        } catch is ConnectionGone {
            throw CancellationError()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let problem = ProblemMapper.problem(for: error)
            try await send(.error(problem.detail, code: problem.code))
        }
    }

    /// A write to the client failed: the connection is gone.
    struct ConnectionGone: Error {}

    private mutating func answer(_ event: WyomingEvent) async throws {
        switch event.type {
        case "describe":
            try await write(WyomingInfo.event(models: dependencies.engines.catalogue.models))
        case "ping":
            try await write(WyomingEvent("pong", data: event.data["text"].map { ["text": $0] } ?? [:]))
        case "synthesize":
            guard stream == nil && !streamDropped else { return }  // the copy a streaming client sends for older servers
            try await speak(try text(of: event), voice: try voice(of: event))
        case "synthesize-start":
            streamDropped = false
            stream = (try voice(of: event), StreamedTextBuffer())
        case "synthesize-chunk":
            if streamDropped { return }
            guard stream != nil else {
                throw WyomingRefusal(
                    code: ProblemCode.wyomingOutOfOrder, text: "'synthesize-chunk' needs a 'synthesize-start' first.")
            }
            let chunk = event.data["text"]?.stringValue ?? ""
            guard let ready = stream?.text.append(chunk) else {
                try checkStreamLength()
                return
            }
            try checkStreamLength()
            try await speak(ready, voice: stream?.voice)
        case "synthesize-stop":
            if streamDropped {
                streamDropped = false
                try await write(WyomingEvent("synthesize-stopped"))
                return
            }
            guard let current = stream else {
                throw WyomingRefusal(code: ProblemCode.wyomingOutOfOrder, text: "'synthesize-stop' needs a 'synthesize-start' first.")
            }
            stream = nil
            var text = current.text
            if let rest = text.finish() { try await speak(rest, voice: current.voice) }
            try await write(WyomingEvent("synthesize-stopped"))
        case "transcribe":
            transcription = (try recognizer(event.string("name")), try APIHandler.transcriptionLanguage(event.string("language")))
        case "audio-start":
            audio = (try format(of: event), [])
            audioRefused = false
        case "audio-chunk":
            try receiveAudio(event)
        case "audio-stop":
            try await transcribeReceivedAudio()
        default:
            throw WyomingRefusal(
                code: ProblemCode.wyomingUnknownEvent,
                text:
                    "This server does not handle '\(event.type.prefix(64))' events. It answers describe, ping, synthesize (and synthesize-start/-chunk/-stop), transcribe and audio-start/-chunk/-stop."
            )
        }
    }

    // MARK: Synthesis

    private func text(of event: WyomingEvent) throws -> String {
        guard let text = event.data["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw WyomingRefusal(code: ProblemCode.requestMissingField, text: "'synthesize' needs a non-empty 'text' to speak.")
        }
        return text
    }

    /// The event's `voice` object (nil: the default voice).
    private func voice(of event: WyomingEvent) throws -> [String: JSONValue]? {
        guard let voice = event.data["voice"], voice != .null else { return nil }
        guard let object = voice.objectValue else {
            throw WyomingRefusal(
                code: ProblemCode.requestInvalidField, text: "'voice' must be an object such as {\"name\": \"en_US-joe-medium\"}.")
        }
        return object
    }

    /// One stream may not send more text than one request may.
    private mutating func checkStreamLength() throws {
        let limit = dependencies.configuration.textLimits.maxCharacters
        guard let received = stream?.text.receivedCharacters, received > limit else { return }
        stream = nil
        streamDropped = true
        throw WyomingRefusal(
            code: ProblemCode.textTooLong,
            text:
                "The streamed text is longer than \(limit) characters; the rest of this stream is ignored. Send long texts in several streams."
        )
    }

    /// Speaks `text` with `voice` as one job, streaming its audio to the client.
    private func speak(_ text: String, voice: [String: JSONValue]?) async throws {
        var form = SpeechForm()
        form.text = text
        form.format = OutputFormat.wav.rawValue
        if let voice {
            form.model = voice["name"]?.stringValue
            form.language = voice["language"]?.stringValue?.replacingOccurrences(of: "_", with: "-")
            if let speaker = voice["speaker"]?.stringValue, !speaker.isEmpty {
                throw WyomingRefusal(
                    code: ProblemCode.requestInvalidField,
                    text: "The voices of this server have one speaker each; leave 'speaker' out (asked for '\(speaker.prefix(64))').")
            }
        }
        let spec = try await form.spec(dependencies: dependencies, names: .wyoming)
        let job = handler.makeJob(.synthesis(spec))
        let chunks = await dependencies.progress.listenForAudio(to: job.id)
        do {
            _ = try await handler.submit(job, upload: nil)
        } catch {
            await dependencies.progress.stopListeningForAudio(to: job.id)
            throw error
        }
        do {
            var started = false
            for await chunk in chunks {
                try Task.checkCancellation()
                if !started {
                    try await write(WyomingEvent("audio-start", data: Self.format(rate: chunk.sampleRate)))
                    started = true
                }
                try await sendAudio(chunk)
            }
            try Task.checkCancellation()
            let final = try await dependencies.jobs.job(job.id)
            guard let final, final.status == .completed else {
                if let final, !final.status.isFinal {
                    // The hub cut this listener off: the client read too slowly.
                    _ = try? await dependencies.queue.cancel(job.id)
                    throw WyomingRefusal(
                        code: ProblemCode.streamTooSlow,
                        text: "The client read the audio too slowly and the synthesis was stopped; read audio events as they come.")
                }
                throw HTTPProblem(final?.problem ?? JobScheduler.interrupted)
            }
            if !started {
                // It ran on another node (live chunks stay on the node that makes them): its result, whole.
                let whole = try await dependencies.outputs.master(of: final)
                let rate = whole?.sampleRate ?? final.result?.synthesis?.sampleRate ?? 22_050
                try await write(WyomingEvent("audio-start", data: Self.format(rate: rate)))
                if let whole { try await sendAudio(whole) }
            }
            try await write(WyomingEvent("audio-stop"))
        } catch {
            await dependencies.progress.stopListeningForAudio(to: job.id)
            if error is ConnectionGone || error is CancellationError || Task.isCancelled {
                // Nobody will hear it: stop the job (in its own task: this one is being cancelled).
                let queue = dependencies.queue
                await Task { _ = try? await queue.cancel(job.id) }.value
            }
            throw error
        }
    }

    /// `chunk` as 16-bit PCM `audio-chunk` events.
    private func sendAudio(_ chunk: AudioBuffer) async throws {
        let pcm = Array(try AudioEncoder.encode(chunk, as: .pcm))
        let step = Self.samplesPerChunk * 2
        var offset = 0
        while offset < pcm.count {
            let end = min(offset + step, pcm.count)
            try await write(WyomingEvent("audio-chunk", data: Self.format(rate: chunk.sampleRate), payload: Array(pcm[offset..<end])))
            offset = end
        }
    }

    /// The data of audio events for 16-bit mono PCM at `rate`.
    private static func format(rate: Int) -> [String: JSONValue] {
        ["rate": .number(Double(rate)), "width": .number(2), "channels": .number(1)]
    }

    // MARK: Transcription

    /// The recognizer a `transcribe` names (nil: the default one); it must be installed.
    private func recognizer(_ name: String?) throws -> String? {
        guard let name else { return nil }
        let recognizers = dependencies.engines.catalogue.models.filter { $0.manifest.engine.isRecognizer }.map(\.manifest.id)
        guard recognizers.contains(name) else {
            throw WyomingRefusal(
                code: ProblemCode.modelNotFound,
                text:
                    "There is no speech recognizer '\(name.prefix(64))'; installed: \(recognizers.joined(separator: ", ")). Send 'describe' to list them."
            )
        }
        return name
    }

    private func format(of event: WyomingEvent) throws -> WyomingAudioFormat {
        switch WyomingAudioFormat.from(event) {
        case let .success(format): return format
        case let .failure(refusal): throw refusal
        }
    }

    /// Adds an `audio-chunk` to the audio being received (starting it, as other Wyoming
    /// servers do, when the client sent no `audio-start`), within the upload limit.
    private mutating func receiveAudio(_ event: WyomingEvent) throws {
        guard !audioRefused else { return }
        let chunkFormat = try format(of: event)
        if audio == nil { audio = (chunkFormat, []) }
        guard let current = audio, current.format == chunkFormat else {
            audio = nil
            audioRefused = true
            throw WyomingRefusal(
                code: ProblemCode.requestInvalidField,
                text: "An 'audio-chunk' changed the audio format since 'audio-start'; this audio was dropped. Send one format per stream.")
        }
        let limit = dependencies.configuration.maxUploadBytes
        guard current.bytes.count + event.payload.count <= limit else {
            audio = nil
            audioRefused = true
            throw WyomingRefusal(
                code: ProblemCode.requestTooLarge,
                text: "The audio is longer than \(limit) bytes (GLMTTS_MAX_UPLOAD_MB); it was dropped. Send shorter audio.")
        }
        audio?.bytes += event.payload
    }

    /// Transcribes the audio received since `audio-start` and answers `transcript`.
    private mutating func transcribeReceivedAudio() async throws {
        defer {
            audio = nil
            audioRefused = false
            transcription = nil
        }
        guard !audioRefused else { return }
        guard let received = audio, received.bytes.count >= received.format.frameBytes else {
            throw WyomingRefusal(code: ProblemCode.audioEmpty, text: "'audio-stop' came without audio: send 'audio-chunk' events first.")
        }
        let samples = received.format.monoSamples(received.bytes)
        let wav = try AudioEncoder.encode(AudioBuffer(samples: samples, sampleRate: received.format.rate), as: .wav)
        let spec = TranscriptionJobSpec(model: transcription?.model, language: transcription?.language)
        let job = try await handler.submit(handler.makeJob(.transcription(spec)), upload: wav)
        let final = try await handler.waitForEnd(of: job.id)
        try APIHandler.requireCompleted(final)
        let transcript = final.result?.transcription?.transcript
        var data: [String: JSONValue] = ["text": .string(transcript?.text ?? "")]
        if let language = transcript?.language { data["language"] = .string(language) }
        try await write(WyomingEvent("transcript", data: data))
    }

    // MARK: Writing

    private func write(_ event: WyomingEvent) async throws {
        do {
            try await send(event)
        } catch {
            throw ConnectionGone()
        }
    }
}
