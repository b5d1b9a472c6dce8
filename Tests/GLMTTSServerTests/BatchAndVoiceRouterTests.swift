import Foundation
import GLMTTSEngine
import GLMTTSService
import GLMTTSTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// Batches (create, status, archive, delete) and saved voices (create, list, get, audio,
/// delete), in process through the router.
@Suite struct BatchAndVoiceRouterTests {
    @Test func aBatchRunsEveryTextAndDownloadsAsOneArchive() async throws {
        try await RouterTestApp.run { app in
            let created = try await app.send(
                .post, "/api/tts/batch", json: ["texts": ["One.", "Two."], "model": "espeak-en-us", "format": "wav"])
            #expect(created.status == .accepted)
            let id = try #require(created.object["id"] as? String)
            #expect(created.header("Location") == "/api/tts/batch/\(id)")
            var batch: [String: Any] = [:]
            try await poll("the batch to finish", seconds: 60, every: .milliseconds(20)) {
                batch = try await app.send(.get, "/api/tts/batch/\(id)").object
                return batch["status"] as? String == "completed"
            }
            #expect((batch["jobs"] as? [Any])?.count == 2)
            let archive = try await app.send(.get, "/api/tts/batch/\(id)/archive")
            #expect(archive.status == .ok && archive.headers[.contentType] == "application/zip")
            #expect(archive.data.prefix(2) == Data("PK".utf8))
            #expect(archive.header("Content-Disposition")?.contains("\"") == true)
            #expect(try await app.send(.delete, "/api/tts/batch/\(id)").status == .noContent)
            let gone = try await app.send(.get, "/api/tts/batch/\(id)")
            #expect(gone.status == .notFound && gone.problemCode == "batch.not_found")
        }
    }

    @Test func batchRefusalsAreProblems() async throws {
        try await RouterTestApp.run { app in
            let empty = try await app.send(.post, "/api/tts/batch", json: ["texts": [String]()])
            #expect(empty.status == .unprocessableContent)
            let form = MultipartTestForm().field("texts", "One.").field("texts", "Two.").field("model", "espeak-en-us")
            let multipart = try await app.send(.post, "/api/tts/batch", form: form)
            #expect(multipart.status == .accepted && (multipart.object["jobs"] as? [Any])?.count == 2)
            #expect(try await app.send(.get, "/api/tts/batch/abcdefghijkl").status == .notFound)
            #expect(try await app.send(.delete, "/api/tts/batch/abcdefghijkl").status == .notFound)

            let batchID = RandomIdentifier.hex(bytes: 16)
            _ = try await app.parkedJob(batchID: batchID, batchIndex: 0)
            let unfinished = try await app.send(.get, "/api/tts/batch/\(batchID)/archive")
            #expect(unfinished.status == .conflict && unfinished.problemCode == "batch.not_finished")
        }
    }

    @Test func aSavedVoiceCanBeListedFetchedDownloadedAndDeleted() async throws {
        try await RouterTestApp.run { app in
            let clip = try await app.speechWAV()
            let form = MultipartTestForm().field("name", "Test voice").field(
                "text", "Hello there, this is a short test of the speech server."
            )
            .file("audio", clip)
            let created = try await app.send(.post, "/api/voices", form: form)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.object["id"] as? String)
            #expect(created.header("Location") == "/api/voices/\(id)")
            #expect(created.object["transcribed"] as? Bool == false)

            let list = try await app.send(.get, "/api/voices")
            #expect(list.status == .ok && (list.object["voices"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let voice = try await app.send(.get, "/api/voices/\(id)")
            #expect(voice.status == .ok && voice.object["name"] as? String == "Test voice")
            let audio = try await app.send(.get, "/api/voices/\(id)/audio")
            #expect(audio.status == .ok && audio.headers[.contentType] == "audio/wav")
            #expect(audio.header("Content-Disposition") == "attachment; filename=\"voice-\(id).wav\"")

            #expect(try await app.send(.delete, "/api/voices/\(id)").status == .noContent)
            let gone = try await app.send(.get, "/api/voices/\(id)")
            #expect(gone.status == .notFound && gone.problemCode == "voice.not_found")
            #expect(try await app.send(.get, "/api/voices/\(id)/audio").status == .notFound)
            #expect(try await app.send(.delete, "/api/voices/\(id)").status == .notFound)
        }
    }

    @Test func voiceRefusalsAreProblems() async throws {
        try await RouterTestApp.run { app in
            let noName = try await app.send(.post, "/api/voices", form: MultipartTestForm().file("audio", Data(count: 100)))
            #expect(noName.status == .unprocessableContent && noName.problemCode == "request.missing_field")
            let noAudio = try await app.send(.post, "/api/voices", form: MultipartTestForm().field("name", "x"))
            #expect(noAudio.status == .unprocessableContent && noAudio.problemCode == "request.missing_field", "\(noAudio.text)")
            let json = try await app.send(.post, "/api/voices", json: ["name": "x"])
            #expect(json.status == .unsupportedMediaType)
            let notAudio = try await app.send(
                .post, "/api/voices", form: MultipartTestForm().field("name", "x").file("audio", Data(repeating: 7, count: 500)))
            #expect(notAudio.status.code >= 400 && notAudio.status.code < 500, "\(notAudio.text)")
        }
    }
}
