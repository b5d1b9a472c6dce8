import Foundation
import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime

extension APIHandler {
    /// `POST /api/tts/batch`: many texts, one voice and parameters → a batch of jobs,
    /// queued together (all or none).
    func createBatch(_ input: Operations.CreateBatch.Input) async throws -> Operations.CreateBatch.Output {
        var texts: [String] = []
        var form = SpeechForm()
        switch input.body {
        case let .json(body):
            texts = body.texts
            form = SpeechForm(
                text: "", voiceID: body.voiceId, promptText: body.promptText, temperature: body.temperature,
                topP: body.topP, topK: body.topK, samplingStrategy: body.samplingStrategy?.rawValue,
                skipWhisper: body.skipWhisper.map(SpeechForm.flag), seed: body.seed, speed: body.speed,
                format: body.format?.rawValue, model: body.model, async: true,
                language: body.language, voiceMatch: body.voiceMatch.map(SpeechForm.flag), verify: body.verify.map(SpeechForm.flag))
        case let .multipartForm(parts):
            var fields = FormFields(
                maxValueBytes: dependencies.configuration.textLimits.maxInputBytes,
                maxFileBytes: dependencies.configuration.maxUploadBytes)
            for try await part in parts {
                switch part {
                case let .texts(p):
                    guard texts.count < dependencies.configuration.maxBatchTexts else { throw tooManyTexts() }
                    let data = try await FormFields.collect(
                        p.payload.body, upTo: dependencies.configuration.textLimits.maxInputBytes, field: "texts")
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw HTTPProblem.badRequest("A 'texts' part is not UTF-8 text.", field: "texts")
                    }
                    texts.append(text)
                case let .promptAudio(p): try await fields.addFile(SpeechField.promptAudio.rawValue, p.payload.body, filename: p.filename)
                case let .voiceId(p): try await fields.addValue(SpeechField.voiceID.rawValue, p.payload.body)
                case let .promptText(p): try await fields.addValue(SpeechField.promptText.rawValue, p.payload.body)
                case let .model(p): try await fields.addValue(SpeechField.model.rawValue, p.payload.body)
                case let .format(p): try await fields.addValue(SpeechField.format.rawValue, p.payload.body)
                case let .temperature(p): try await fields.addValue(SpeechField.temperature.rawValue, p.payload.body)
                case let .topP(p): try await fields.addValue(SpeechField.topP.rawValue, p.payload.body)
                case let .topK(p): try await fields.addValue(SpeechField.topK.rawValue, p.payload.body)
                case let .samplingStrategy(p): try await fields.addValue(SpeechField.samplingStrategy.rawValue, p.payload.body)
                case let .seed(p): try await fields.addValue(SpeechField.seed.rawValue, p.payload.body)
                case let .speed(p): try await fields.addValue(SpeechField.speed.rawValue, p.payload.body)
                case let .skipWhisper(p): try await fields.addValue(SpeechField.skipWhisper.rawValue, p.payload.body)
                case let .language(p): try await fields.addValue(SpeechField.language.rawValue, p.payload.body)
                case let .voiceMatch(p): try await fields.addValue(SpeechField.voiceMatch.rawValue, p.payload.body)
                case let .verify(p): try await fields.addValue(SpeechField.verify.rawValue, p.payload.body)
                case let .undocumented(raw): try await fields.addUnknown(raw)
                }
            }
            form = try SpeechForm(fields: fields)
        }
        guard !texts.isEmpty else {
            throw HTTPProblem.invalid(ProblemCode.requestMissingField, "'texts' is required: give at least one text.", field: "texts")
        }
        guard texts.count <= dependencies.configuration.maxBatchTexts else { throw tooManyTexts() }

        let batchID = RandomIdentifier.hex(bytes: 16)
        var jobs: [JobRecord] = []
        for (index, text) in texts.enumerated() {
            var item = form
            item.text = text
            let spec: SynthesisJobSpec
            do {
                spec = try await item.spec(dependencies: dependencies)
            } catch var problem as HTTPProblem {
                problem.detail = "Text \(index + 1): \(problem.detail)"
                problem.field = "texts[\(index)]"
                throw problem
            }
            jobs.append(makeJob(.synthesis(spec), batchID: batchID, batchIndex: index))
        }
        let stored = try await submit(jobs, upload: form.promptAudio?.data)
        return .accepted(
            .init(
                headers: .init(xRequestId: RequestInfo.current.requestID, location: "/api/tts/batch/\(batchID)"),
                body: .json(batch(batchID, stored))))
    }

    private func tooManyTexts() -> HTTPProblem {
        HTTPProblem.invalid(
            ProblemCode.batchTooManyTexts,
            "A batch holds at most \(dependencies.configuration.maxBatchTexts) texts; split it into several batches.", field: "texts")
    }

    /// `GET /api/tts/batch/{id}`.
    func getBatch(_ input: Operations.GetBatch.Input) async throws -> Operations.GetBatch.Output {
        let (id, jobs) = try await batchJobs(input.path.batchId)
        return .ok(.init(headers: .init(xRequestId: RequestInfo.current.requestID), body: .json(batch(id, jobs))))
    }

    /// `DELETE /api/tts/batch/{id}`: cancels what is unfinished and deletes every result.
    func deleteBatch(_ input: Operations.DeleteBatch.Input) async throws -> Operations.DeleteBatch.Output {
        let (_, jobs) = try await batchJobs(input.path.batchId)
        for job in jobs where !job.status.isFinal { _ = try await dependencies.queue.cancel(job.id) }
        for job in jobs {
            if let now = try await dependencies.jobs.job(job.id), !now.status.isFinal {
                _ = try await waitForEnd(of: job.id)
            }
            try await dependencies.jobs.delete(job.id)
            await dependencies.blobs.removeBlobs(of: job.id)
        }
        return .noContent(.init(headers: .init(xRequestId: RequestInfo.current.requestID)))
    }

    /// `GET /api/tts/batch/{id}/archive`: every completed result in one ZIP, named by
    /// position (`001.wav`, …); 409 while jobs are unfinished.
    func getBatchArchive(_ input: Operations.GetBatchArchive.Input) async throws -> Operations.GetBatchArchive.Output {
        let (id, jobs) = try await batchJobs(input.path.batchId)
        let unfinished = jobs.filter { !$0.status.isFinal }.count
        guard unfinished == 0 else {
            throw HTTPProblem(
                code: ProblemCode.batchNotFinished, title: "Not finished", status: 409,
                detail:
                    "\(unfinished) of \(jobs.count) jobs of this batch are not finished; fetch the archive when the batch status is final.")
        }
        // Streamed one file at a time, as the client reads: memory stays flat however many
        // jobs the batch has (the next file is read only when the previous one is sent).
        let handler = self
        let captions = input.query.captions
        let archive = BatchArchiveStream(jobs: jobs.filter { $0.status == .completed }) { job in
            let (data, format, _) = try await handler.audio(of: job, format: nil)
            guard let captions else { return [(format.fileExtension, data)] }
            return [(format.fileExtension, data), (captions.rawValue, try await handler.captionFile(of: job, as: captions))]
        }
        let chunks = AsyncThrowingStream<ArraySlice<UInt8>, any Error> { try await archive.next() }
        return .ok(
            .init(
                headers: .init(
                    xRequestId: RequestInfo.current.requestID,
                    contentDisposition: "attachment; filename=\"batch-\(id).zip\""),
                body: .applicationZip(HTTPBody(chunks, length: .unknown, iterationBehavior: .single))))
    }

    /// The jobs of batch `raw`, in order; 404 when malformed or unknown.
    private func batchJobs(_ raw: String) async throws -> (String, [JobRecord]) {
        guard RandomIdentifier.isHex(raw, bytes: 16) else { throw batchNotFound(raw) }
        let jobs = try await dependencies.jobs.jobs(inBatch: raw).sorted { ($0.batchIndex ?? 0) < ($1.batchIndex ?? 0) }
        guard let first = jobs.first, RequestInfo.current.principal.canSee(owner: first.owner) else { throw batchNotFound(raw) }
        return (raw, jobs)
    }

    private func batchNotFound(_ raw: String) -> HTTPProblem {
        HTTPProblem(
            code: ProblemCode.batchNotFound, title: "Not found", status: 404,
            detail: "There is no batch '\(raw.prefix(64))'; it may have expired or been deleted.")
    }

    /// The batch document.
    private func batch(_ id: String, _ jobs: [JobRecord]) -> Components.Schemas.Batch {
        func count(_ status: JobStatus) -> Int { jobs.filter { $0.status == status }.count }
        let counts = Components.Schemas.BatchCounts(
            queued: count(.queued), running: count(.running), completed: count(.completed), failed: count(.failed),
            cancelled: count(.cancelled))
        let status: Components.Schemas.BatchStatus
        if counts.running > 0 || (counts.queued > 0 && counts.queued < jobs.count) {
            status = .running
        } else if counts.queued == jobs.count {
            status = .queued
        } else if counts.completed == jobs.count {
            status = .completed
        } else if counts.failed == jobs.count {
            status = .failed
        } else if counts.cancelled == jobs.count {
            status = .cancelled
        } else {
            status = .partial
        }
        return Components.Schemas.Batch(
            id: id, status: status, createdAt: jobs.map(\.createdAt).min() ?? Date(),
            jobs: jobs.map {
                .init(
                    id: $0.id.rawValue, status: APIModels.status($0.status), index: $0.batchIndex ?? 0,
                    links: APIModels.links($0.id, kind: $0.kind))
            },
            counts: counts, archiveUrl: "/api/tts/batch/\(id)/archive")
    }
}
