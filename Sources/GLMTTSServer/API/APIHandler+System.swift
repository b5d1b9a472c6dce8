import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `GET /health`: the process answers (liveness; touches nothing else).
    func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(.init(status: .ok))))
    }

    /// `GET /ready`: the job store takes a write, the blob store answers, and the default voice is loaded; 503 with the
    /// failing check otherwise — also while the voice is still loading in the background at
    /// start (the answer never waits for that load).
    func ready(_ input: Operations.Ready.Input) async throws -> Operations.Ready.Output {
        var checks: [Components.Schemas.ReadyCheck] = []
        do {
            try await dependencies.jobs.checkWritable()
            checks.append(.init(name: "store", ok: true))
        } catch {
            checks.append(.init(name: "store", ok: false, detail: JobProblem(error).detail))
        }
        do {
            try await dependencies.blobs.checkAvailable()
            checks.append(.init(name: "blobs", ok: true))
        } catch {
            checks.append(.init(name: "blobs", ok: false, detail: JobProblem(error).detail))
        }
        if !dependencies.configuration.role.runsJobs {
            // An API node's readiness is its stores': the workers' engines are theirs to report.
        } else if case let .loading(voice, since) = await dependencies.warmUp.state {
            let seconds = String(format: "%.1f", (ContinuousClock.now - since).inSeconds)
            checks.append(.init(name: "default_engine", ok: false, detail: "loading \(voice) (for \(seconds) s so far)"))
        } else {
            do {
                let id = try dependencies.engines.defaultSynthesizerID()
                _ = try await dependencies.engines.synthesizer(id: id)
                checks.append(.init(name: "default_engine", ok: true, detail: id))
            } catch {
                checks.append(.init(name: "default_engine", ok: false, detail: JobProblem(error).detail))
            }
        }
        let ok = checks.allSatisfy(\.ok)
        let status = Components.Schemas.ReadyStatus(status: ok ? .ready : .notReady, checks: checks)
        if ok { return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(status))) }
        return .serviceUnavailable(.init(headers: .init(xRequestId: RequestInfo.current.requestID, retryAfter: 5), body: .json(status)))
    }

    /// `GET /api/engines`: installed engines with capabilities, without loading any.
    func listEngines(_ input: Operations.ListEngines.Input) async throws -> Operations.ListEngines.Output {
        let loaded = Set(await dependencies.engines.loadedIDs()).union(await dependencies.engines.loadedRecognizerIDs())
        let models = dependencies.engines.catalogue.models.filter { $0.manifest.engine.isSynthesizer || $0.manifest.engine.isRecognizer }
        let engines = models.compactMap { model -> Components.Schemas.Engine? in
            let manifest = model.manifest
            guard let engine = Components.Schemas.Engine.EnginePayload(rawValue: manifest.engine.rawValue) else { return nil }
            let honoured = manifest.engine.honouredParameters
            let parameters: [Components.Schemas.EngineParameter] =
                manifest.engine.isSynthesizer
                ? SynthesisParameter.allCases.map { Self.describe($0, honoured: honoured.contains($0), engine: manifest.engine) } : []
            return Components.Schemas.Engine(
                id: manifest.id, engine: engine, kind: manifest.engine.isSynthesizer ? .synthesizer : .recognizer,
                description: manifest.description, defaultChoice: manifest.options["defaultChoice"] != "never",
                loaded: loaded.contains(manifest.id), language: manifest.languages.first, languages: manifest.languages,
                sampleRate: manifest.sampleRate,
                capabilities: .init(
                    canClone: manifest.capabilities.canClone, streaming: manifest.capabilities.streaming,
                    parameters: parameters))
        }
        let chooser = dependencies.engines.voiceChooser()
        let spoken = Set(chooser.models.flatMap { $0.manifest.languages.map(LanguageCode.primary) }).subtracting(["*"])
        var defaults: [String: String] = [:]
        for language in spoken {
            defaults[language] = try? chooser.choose(text: "", named: nil, language: language).voiceID
        }
        let list = Components.Schemas.EngineList(
            defaultModel: (try? dependencies.engines.defaultSynthesizerID()) ?? "",
            languageDefaults: .init(additionalProperties: defaults),
            recognizer: dependencies.engines.defaultRecognizer()?.manifest.id, engines: engines)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(list)))
    }

    /// `POST /api/tts/voice`: the voice that would speak a text, and the text's languages.
    func chooseVoice(_ input: Operations.ChooseVoice.Input) async throws -> Operations.ChooseVoice.Output {
        guard case let .json(body) = input.body else { throw HTTPProblem.badRequest("Send a JSON body.", field: nil) }
        let text = try TextValidator.prepare(body.text, limits: dependencies.configuration.textLimits)
        let named = body.model.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let named { try SpeechForm.checkSynthesizer(named, dependencies: dependencies) }
        let language = try SpeechForm.language(body.language)
        let choice = try SpeechForm.chooseVoice(
            text: text, named: named, language: language, withReference: body.withReference ?? false, dependencies: dependencies)
        let answer = Components.Schemas.VoiceChoice(voice: choice.voiceID, languages: choice.languages, named: choice.named)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(answer)))
    }

    /// One parameter of an engine: honoured or not (and why), range and default.
    static func describe(_ parameter: SynthesisParameter, honoured: Bool, engine: EngineKind) -> Components.Schemas.EngineParameter {
        let defaults = SynthesisParameters()
        var described = Components.Schemas.EngineParameter(
            name: parameter.rawValue, honoured: honoured,
            reason: honoured
                ? nil : "The \(engine.rawValue) engine has no \(parameter.rawValue) control; it is accepted and reported as ignored.")
        switch parameter {
        case .temperature:
            described.minimum = SynthesisParameters.temperatureRange.lowerBound
            described.maximum = SynthesisParameters.temperatureRange.upperBound
            described._default = try? .init(unvalidatedValue: defaults.temperature)
        case .topP:
            described.minimum = SynthesisParameters.topPRange.lowerBound
            described.maximum = SynthesisParameters.topPRange.upperBound
            described._default = try? .init(unvalidatedValue: defaults.topP)
        case .topK:
            described.minimum = Double(SynthesisParameters.topKRange.lowerBound)
            described.maximum = Double(SynthesisParameters.topKRange.upperBound)
            described._default = try? .init(unvalidatedValue: defaults.topK)
        case .speed:
            described.minimum = SynthesisParameters.speedRange.lowerBound
            described.maximum = SynthesisParameters.speedRange.upperBound
            described._default = try? .init(unvalidatedValue: defaults.speed)
        case .samplingStrategy:
            described._default = try? .init(unvalidatedValue: defaults.samplingStrategy.rawValue)
        case .seed:
            break
        }
        return described
    }

    /// `GET /api/limits`: what this server accepts.
    func getLimits(_ input: Operations.GetLimits.Input) async throws -> Operations.GetLimits.Output {
        let c = dependencies.configuration
        let limits = Components.Schemas.Limits(
            maxTextCharacters: c.textLimits.maxCharacters, maxUploadBytes: Int64(c.maxUploadBytes),
            maxReferenceSeconds: c.maxAudioSeconds, maxQueueLength: c.maxQueuedJobs, maxBatchTexts: c.maxBatchTexts,
            formats: OutputFormat.allCases.compactMap { Components.Schemas.AudioFormat(rawValue: $0.rawValue) })
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(limits)))
    }

    /// `GET /openapi.yaml`: the contract.
    func getOpenAPIYAML(_ input: Operations.GetOpenAPIYAML.Input) async throws -> Operations.GetOpenAPIYAML.Output {
        .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .yaml(HTTPBody(OpenAPIDocument.yaml))))
    }

    /// `GET /openapi.json`: the contract as JSON.
    func getOpenAPIJSON(_ input: Operations.GetOpenAPIJSON.Input) async throws -> Operations.GetOpenAPIJSON.Output {
        let document = try JSONDecoder().decode(
            Operations.GetOpenAPIJSON.Output.Ok.Body.JsonPayload.self,
            from: Data(OpenAPIDocument.json.utf8))
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(document)))
    }
}
