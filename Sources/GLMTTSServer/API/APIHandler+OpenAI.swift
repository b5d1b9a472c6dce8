import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// OpenAI's own model names, all served by the default voice model.
    static let openAISpeechModels: Set<String> = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    /// OpenAI's built-in voice names, spoken by the default voice (no cloning).
    static let openAIVoices: Set<String> = [
        "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx",
        "sage", "shimmer", "verse", "marin", "cedar",
    ]

    /// `POST /v1/audio/speech`: OpenAI-compatible synthesis, streamed as sentences finish.
    /// `voice` is a saved voice (id or name), an installed voice model, or one of OpenAI's
    /// voice names (the default voice); `instructions` is accepted and not applied.
    func openAICreateSpeech(_ input: Operations.OpenAICreateSpeech.Input) async throws -> Operations.OpenAICreateSpeech.Output {
        guard case let .json(request) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        let (spec, format) = try await openAISpeechSpec(request)
        let job = makeJob(.synthesis(spec))
        let audio = await dependencies.progress.listenForAudio(to: job.id)
        do {
            _ = try await submit(job, upload: nil)
        } catch {
            await dependencies.progress.stopListeningForAudio(to: job.id)  // refused: nobody will read it
            throw error
        }

        let sse = request.streamFormat == .sse
        // Bounded: a client that falls this many chunks behind is disconnected (the job goes
        // on; its audio stays at /api/tts/{id}/audio).
        let limit = dependencies.configuration.streamBufferLimit
        let (bytes, output) = AsyncThrowingStream.makeStream(of: ArraySlice<UInt8>.self, bufferingPolicy: .bufferingOldest(limit))
        let (started, signal) = AsyncStream.makeStream(of: Bool.self)
        let characters = request.input.count
        let tooSlow = HTTPProblem(
            code: ProblemCode.streamTooSlow, title: "Client too slow", status: 503,
            detail:
                "The client read the audio stream too slowly (\(limit) chunks were waiting) and was disconnected; the job goes on: fetch its audio from /api/tts/\(job.id)/audio."
        )
        let producer = Task { [dependencies] in
            var encoder = SpeechStreamEncoder(format: format)
            var signalled = false
            func send(_ data: Data) throws {
                guard !data.isEmpty else { return }
                if !signalled {
                    signal.yield(true)
                    signal.finish()
                    signalled = true
                }
                let piece: ArraySlice<UInt8>
                if sse {
                    let delta = Components.Schemas.OpenAISpeechAudioDelta(_type: .speech_audio_delta, audio: .init(Array(data)))
                    piece = ArraySlice(ServerSentEvents.message(id: nil, event: "speech.audio.delta", data: delta).utf8)
                } else {
                    piece = ArraySlice(data)
                }
                if case .dropped = output.yield(piece) { throw tooSlow }
            }
            do {
                var streamed = false
                for await chunk in audio {
                    try send(try encoder.encode(chunk))
                    streamed = true
                }
                let final = try await dependencies.jobs.job(job.id)
                guard final?.status == .completed else {
                    // The hub cut the listener off while the job runs on: this reader is too slow.
                    if let final, !final.status.isFinal { throw tooSlow }
                    throw HTTPProblem(final?.problem ?? JobScheduler.interrupted)
                }
                // It ran on another node (live chunks stay on the node that makes them): its result, whole.
                if !streamed, let final, let whole = try await dependencies.outputs.master(of: final) {
                    try send(try encoder.encode(whole))
                }
                try send(try encoder.finish())
                if sse {
                    let done = Components.Schemas.OpenAISpeechAudioDone(
                        _type: .speech_audio_done, usage: .init(inputTokens: characters, outputTokens: 0, totalTokens: characters))
                    let message = ArraySlice(ServerSentEvents.message(id: nil, event: "speech.audio.done", data: done).utf8)
                    if case .dropped = output.yield(message) { throw tooSlow }
                }
                output.finish()
            } catch {
                await dependencies.progress.stopListeningForAudio(to: job.id)
                if !signalled {
                    signal.yield(false)
                    signal.finish()
                }
                output.finish(throwing: error)
            }
        }
        output.onTermination = { [dependencies] reason in
            producer.cancel()
            if case .cancelled = reason { Task { _ = try? await dependencies.queue.cancel(job.id) } }
        }
        // Answer only once audio flows, so a job that fails first gets a proper error status.
        var first = started.makeAsyncIterator()
        if await first.next() != true {
            let final = try await waitForEnd(of: job.id)
            try Self.requireCompleted(final)
        }
        let body = HTTPBody(bytes, length: .unknown, iterationBehavior: .single)
        let headers = Operations.OpenAICreateSpeech.Output.Ok.Headers(xRequestId: RequestInfo.current.requestID, xTaskId: job.id.rawValue)
        if sse { return .ok(.init(headers: headers, body: .textEventStream(body))) }
        switch format {
        case .mp3: return .ok(.init(headers: headers, body: .audioMpeg(body)))
        case .opus: return .ok(.init(headers: headers, body: .audioOgg(body)))
        case .aac: return .ok(.init(headers: headers, body: .audioAac(body)))
        case .flac: return .ok(.init(headers: headers, body: .audioFlac(body)))
        case .wav: return .ok(.init(headers: headers, body: .audioWav(body)))
        case .pcm: return .ok(.init(headers: headers, body: .audioPcm(body)))
        }
    }

    /// The job an OpenAI speech request asks for, and its audio format: `voice` is a saved
    /// voice (id or name), an installed voice model, or one of OpenAI's voice names (the
    /// default voice).
    func openAISpeechSpec(_ request: Components.Schemas.OpenAISpeechRequest) async throws -> (SynthesisJobSpec, OutputFormat) {
        var form = SpeechForm()
        form.text = request.input
        form.speed = request.speed
        form.verify = request.verify
        let format = OutputFormat(rawValue: request.responseFormat?.rawValue ?? "mp3") ?? .mp3
        form.format = format.rawValue
        let model = request.model.trimmingCharacters(in: .whitespaces)
        if !Self.openAISpeechModels.contains(model) {
            try SpeechForm.checkSynthesizer(model, dependencies: dependencies, field: SpeechFieldNames.openAI(.model))
            form.model = model
        }
        let voice = request.voice.trimmingCharacters(in: .whitespaces)
        let principal = RequestInfo.current.principal
        if try await visibleVoice(id: voice) != nil {
            form.voiceID = voice
        } else if let named = try await dependencies.voices.voices(named: voice).first(where: { principal.canSee(owner: $0.owner) }) {
            form.voiceID = named.id
        } else if dependencies.engines.synthesizerModels().contains(where: { $0.manifest.id == voice }) {
            form.model = form.model ?? voice
        } else if !Self.openAIVoices.contains(voice.lowercased()) {
            throw HTTPProblem(
                code: ProblemCode.voiceNotFound, title: "Not found", status: 404,
                detail:
                    "There is no voice '\(voice.prefix(64))': use a saved voice id or name (GET /api/voices), an installed model (GET /v1/models) or an OpenAI voice name.",
                field: "voice")
        }
        let spec = try await form.spec(dependencies: dependencies, names: .openAI)
        return (spec, format)
    }

    /// `POST /dev/captioned_speech`: the audio of an OpenAI speech request and its words'
    /// timestamps in one JSON document, the way Kokoro-FastAPI answers (`stream: false`).
    func createCaptionedSpeech(_ input: Operations.CreateCaptionedSpeech.Input) async throws
        -> Operations.CreateCaptionedSpeech.Output
    {
        guard case let .json(request) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        let (spec, format) = try await openAISpeechSpec(request)
        let job = try await submit(makeJob(.synthesis(spec)), upload: nil)
        let final = try await waitForEnd(of: job.id)
        try Self.requireCompleted(final)
        let (data, _, _) = try await audio(of: final, format: format)
        let words = try await captions(of: final).words
        return .ok(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID, xTaskId: job.id.rawValue),
                body: .json(
                    .init(
                        audio: data.base64EncodedString(),
                        audioFormat: Components.Schemas.CaptionedSpeech.AudioFormatPayload(rawValue: format.rawValue) ?? .mp3,
                        timestamps: words.map { .init(word: $0.text, startTime: $0.start, endTime: $0.end) }))))
    }

    /// `POST /v1/audio/transcriptions`: OpenAI-compatible transcription (json, text, srt,
    /// vtt, verbose_json) with the default recognizer, as a queued job.
    func openAICreateTranscription(_ input: Operations.OpenAICreateTranscription.Input) async throws
        -> Operations.OpenAICreateTranscription.Output
    {
        guard case let .multipartForm(parts) = input.body else { throw HTTPProblem.unsupportedMediaType() }
        var fields = FormFields(maxValueBytes: 16 << 10, maxFileBytes: dependencies.configuration.maxUploadBytes)
        for try await part in parts {
            switch part {
            case let .file(p): try await fields.addFile("file", p.payload.body, filename: p.filename)
            case let .model(p): try await fields.addValue("model", p.payload.body)
            case let .language(p): try await fields.addValue("language", p.payload.body)
            case let .prompt(p): try await fields.addValue("prompt", p.payload.body)
            case let .responseFormat(p): try await fields.addValue("response_format", p.payload.body)
            case let .temperature(p): try await fields.addValue("temperature", p.payload.body)
            case let .timestampGranularities_lbrack__rbrack_(p):
                // Read and dropped: segments are always given.
                _ = try await FormFields.collect(p.payload.body, upTo: 1024, field: "timestamp_granularities[]")
            case let .undocumented(raw): try await fields.addUnknown(raw)
            }
        }
        guard let file = fields.file else {
            throw HTTPProblem.invalid(ProblemCode.requestMissingField, "'file' is required: upload the audio to transcribe.", field: "file")
        }
        let responseFormat = fields.string("response_format")?.trimmingCharacters(in: .whitespaces).lowercased() ?? "json"
        guard ["json", "text", "srt", "vtt", "verbose_json"].contains(responseFormat) else {
            throw HTTPProblem.invalid(
                ProblemCode.requestInvalidField, "'response_format' must be json, text, srt, vtt or verbose_json.",
                field: "response_format")
        }
        _ = try fields.double("temperature", in: 0...1)
        let (_, result) = try await transcribe(file.data, language: fields.string("language"), requireReliable: false)
        let transcript = result.transcript
        let headers = Operations.OpenAICreateTranscription.Output.Ok.Headers(xRequestId: RequestInfo.current.requestID)
        switch responseFormat {
        case "text":
            return .ok(.init(headers: headers, body: .plainText(HTTPBody(transcript.text + "\n"))))
        case "srt", "vtt":
            return .ok(.init(headers: headers, body: .plainText(HTTPBody(SubtitleWriter.write(transcript, vtt: responseFormat == "vtt")))))
        case "verbose_json":
            let segments = transcript.segments.enumerated().map { index, segment in
                Components.Schemas.OpenAITranscriptionSegment(
                    id: index, start: segment.start, end: segment.end, text: segment.text, seek: 0, tokens: [],
                    temperature: 0, avgLogprob: segment.averageLogProbability ?? 0,
                    compressionRatio: segment.compressionRatio ?? 0, noSpeechProb: segment.noSpeechProbability ?? 0)
            }
            let verbose = Components.Schemas.OpenAIVerboseTranscription(
                task: .transcribe, language: transcript.language ?? "", duration: transcript.duration,
                text: transcript.text, segments: segments)
            return .ok(.init(headers: headers, body: .json(.init(value1: verbose))))
        default:
            return .ok(.init(headers: headers, body: .json(.init(value2: .init(text: transcript.text)))))
        }
    }

    /// `GET /v1/models`: installed voice models and recognizers, plus OpenAI's model names
    /// (served by the default voice).
    func openAIListModels(_ input: Operations.OpenAIListModels.Input) async throws -> Operations.OpenAIListModels.Output {
        let created = Int64(dependencies.startedAt.timeIntervalSince1970)
        var models = dependencies.engines.catalogue.models
            .filter { $0.manifest.engine.isSynthesizer || $0.manifest.engine.isRecognizer }
            .map { Components.Schemas.OpenAIModel(id: $0.manifest.id, object: .model, created: created, ownedBy: "glmtts") }
        models += Self.openAISpeechModels.sorted().map { .init(id: $0, object: .model, created: created, ownedBy: "glmtts") }
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(.init(object: .list, data: models))))
    }
}
