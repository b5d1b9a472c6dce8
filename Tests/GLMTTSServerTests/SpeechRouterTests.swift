import Foundation
import GLMTTSEngine
import GLMTTSService
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// `POST /api/tts` (sync and async, JSON, URL-encoded and multipart) and the job
/// operations (status, audio, progress, cancel, delete), in process through the router.
@Suite struct SpeechRouterTests {
    @Test func synchronousSpeechAnswersWithAudioAndItsFacts() async throws {
        try await RouterTestApp.run { app in
            var headers = HTTPFields()
            headers[.xRequestID] = "client-chosen-id"
            let response = try await app.send(
                .post, "/api/tts", json: ["text": "Hello there.", "model": "espeak-en-us", "format": "wav"],
                headers: headers)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "audio/wav")
            #expect(response.data.prefix(4) == Data("RIFF".utf8))
            #expect(response.header("X-Request-Id") == "client-chosen-id")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            let task = try #require(response.header("X-Task-Id"))
            #expect(response.header("Content-Disposition") == "attachment; filename=\"speech-\(task).wav\"")
            #expect(Double(response.header("X-Audio-Duration") ?? "") ?? 0 > 0.3)
            #expect(response.header("X-Voice") == "espeak-en-us")
            let line = try #require(app.log.requests(path: "/api/tts").last)
            #expect(line.metadata["operation"] == "createSpeech" && line.metadata["status"] == "200")
            #expect(line.metadata["request_id"] == "client-chosen-id" && line.metadata["method"] == "POST")
            #expect(line.metadata["client"] == "unknown" && line.metadata["ms"] != nil && line.metadata["key_id"] == nil)
        }
    }

    @Test func theDefaultVoiceSpeaksEnglishThroughPiper() async throws {
        try await RouterTestApp.run { app in
            let response = try await app.send(.post, "/api/tts", json: ["text": "Hi.", "format": "wav"])
            #expect(response.status == .ok)
            #expect(response.header("X-Voice") == "en_US-joe-medium")
        }
    }

    @Test func urlEncodedAndMultipartFormsAreAccepted() async throws {
        try await RouterTestApp.run { app in
            var headers = HTTPFields()
            headers[.contentType] = "application/x-www-form-urlencoded"
            let encoded = try await app.send(
                .post, "/api/tts", headers: headers,
                body: ByteBuffer(string: "text=Hello+form&model=espeak-en-us&format=wav"))
            #expect(encoded.status == .ok && encoded.headers[.contentType] == "audio/wav")
            let form = MultipartTestForm().field("text", "Hello parts").field("model", "espeak-en-us").field("format", "flac")
            let multipart = try await app.send(.post, "/api/tts", form: form)
            #expect(multipart.status == .ok && multipart.headers[.contentType] == "audio/flac")
        }
    }

    @Test func asynchronousSpeechIsAJobToFollowFetchAndDelete() async throws {
        try await RouterTestApp.run { app in
            var prefer = HTTPFields()
            prefer[HTTPField.Name("Prefer")!] = "respond-async"
            let accepted = try await app.send(
                .post, "/api/tts", json: ["text": "Queued speech.", "model": "espeak-en-us", "format": "mp3"], headers: prefer)
            #expect(accepted.status == .accepted)
            let id = try #require(accepted.object["id"] as? String)
            #expect(accepted.header("Location") == "/api/tts/\(id)")
            #expect(accepted.object["progress_url"] as? String == "/api/tts/progress/\(id)")
            #expect(try await app.finishedJob(id)["status"] as? String == "completed")

            let audio = try await app.send(.get, "/api/tts/\(id)/audio")
            #expect(audio.status == .ok && audio.headers[.contentType] == "audio/mpeg")
            let wav = try await app.send(.get, "/api/tts/\(id)/audio?format=wav")
            #expect(wav.status == .ok && wav.data.prefix(4) == Data("RIFF".utf8))
            #expect(try await app.send(.get, "/api/tts/\(id)/audio?format=midi").status == .unprocessableContent)

            let progress = try await app.send(.get, "/api/tts/progress/\(id)?events=named")
            #expect(progress.status == .ok && progress.headers[.contentType] == "text/event-stream")
            #expect(progress.text.contains("event: completed"))
            var seenAll = HTTPFields()
            seenAll[.lastEventID] = "1000"
            #expect(try await app.send(.get, "/api/tts/progress/\(id)", headers: seenAll).status == .noContent)

            #expect(try await app.send(.delete, "/api/tts/\(id)").status == .noContent)
            let gone = try await app.send(.get, "/api/tts/\(id)")
            #expect(gone.status == .notFound && gone.problemCode == "job.not_found")
            #expect(gone.headers[.contentType] == "application/problem+json")
            #expect(gone.object["request_id"] as? String == gone.header("X-Request-Id"))
        }
    }

    @Test func anUnfinishedJobHasNoAudioAndCanBeCancelled() async throws {
        try await RouterTestApp.run { app in
            let job = try await app.parkedJob()
            let early = try await app.send(.get, "/api/tts/\(job.id)/audio")
            #expect(early.status == .conflict && early.problemCode == "job.not_finished")
            let status = try await app.send(.get, "/api/tts/\(job.id)")
            #expect(status.status == .ok && status.object["status"] as? String == "queued")
            let cancelled = try await app.send(.delete, "/api/tts/\(job.id)")
            #expect(cancelled.status == .ok && cancelled.object["status"] as? String == "cancelled")
            let after = try await app.send(.get, "/api/tts/\(job.id)/audio")
            #expect(after.status == .conflict && after.problemCode == "job.no_audio")
        }
    }

    @Test func unknownAndMalformedJobIdsAreNotFound() async throws {
        try await RouterTestApp.run { app in
            for path in [
                "/api/tts/abcdefghijkl", "/api/tts/abcdefghijkl/audio", "/api/tts/progress/abcdefghijkl", "/api/tts/..%2F..%2Fetc",
            ] {
                let response = try await app.send(.get, path)
                #expect(response.status == .notFound, "\(path)")
            }
            #expect(try await app.send(.delete, "/api/tts/abcdefghijkl").problemCode == "job.not_found")
        }
    }

    @Test func badSpeechRequestsAreProblems() async throws {
        try await RouterTestApp.run { app in
            let missing = try await app.send(.post, "/api/tts", json: ["model": "espeak-en-us"])
            #expect(missing.status == .unprocessableContent && missing.problemCode == "request.missing_field")
            #expect((missing.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "text")

            var json = HTTPFields()
            json[.contentType] = "application/json"
            let broken = try await app.send(.post, "/api/tts", headers: json, body: ByteBuffer(string: "{\"text\": "))
            #expect(broken.status == .badRequest && broken.problemCode == "request.malformed")
            let fraction = try await app.send(.post, "/api/tts", json: ["text": "Hi", "top_k": 1.5])
            #expect(fraction.status == .badRequest)

            var plain = HTTPFields()
            plain[.contentType] = "text/plain"
            let unsupported = try await app.send(.post, "/api/tts", headers: plain, body: ByteBuffer(string: "Hello"))
            #expect(unsupported.status == .unsupportedMediaType && unsupported.problemCode == "request.unsupported_media_type")
            #expect(((unsupported.object["detail"] as? String) ?? "").contains("'text/plain'"))

            let model = try await app.send(.post, "/api/tts", json: ["text": "Hi", "model": "no-such-model"])
            #expect(model.status.code >= 400 && model.status.code < 500 && model.problemCode != nil)
            let speed = try await app.send(.post, "/api/tts", json: ["text": "Hi", "speed": 99])
            #expect(speed.status == .unprocessableContent)
        }
    }

    @Test func anOversizedBodyIsRefusedByItsLengthAndClosesTheConnection() async throws {
        try await RouterTestApp.run({
            $0.maxUploadBytes = 1000
            $0.textLimits.maxCharacters = 10
        }) { app in
            let big = MultipartTestForm().field("text", "Hi").file("prompt_audio", Data(count: 2 << 20))
            let response = try await app.send(.post, "/api/tts", form: big)
            #expect(response.status == .contentTooLarge && response.problemCode == "request.too_large")
            #expect(response.headers[.connection] == "close")
            #expect(((response.object["detail"] as? String) ?? "").contains("1000 bytes"))
        }
    }
}
