import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// `POST /api/transcribe` (the one test that runs Whisper) and `POST /api/reference/inspect`,
/// in process through the router.
@Suite struct TranscriptionRouterTests {
    @Test func aRecordingIsTranscribedFromARawBody() async throws {
        try await RouterTestApp.run { app in
            let clip = try await app.speechWAV("Good morning, how are you today?")
            var headers = HTTPFields()
            headers[.contentType] = "audio/wav"
            let response = try await app.send(.post, "/api/transcribe?language=en", headers: headers, body: ByteBuffer(bytes: clip))
            #expect(response.status == .ok, "\(response.text)")
            #expect(((response.object["text"] as? String) ?? "").lowercased().contains("morning"))
            #expect(response.object["language"] as? String == "en")
        }
    }

    @Test func transcriptionRefusalsAreProblems() async throws {
        try await RouterTestApp.run { app in
            let noFile = try await app.send(.post, "/api/transcribe", form: MultipartTestForm().field("language", "en"))
            #expect(noFile.status == .unprocessableContent && noFile.problemCode == "request.missing_field")
            var headers = HTTPFields()
            headers[.contentType] = "audio/wav"
            let empty = try await app.send(.post, "/api/transcribe", headers: headers, body: ByteBuffer())
            #expect(empty.status.code == 422 || empty.status.code == 400, "\(empty.text)")
            headers[.contentType] = "text/plain"
            let text = try await app.send(.post, "/api/transcribe", headers: headers, body: ByteBuffer(string: "hello"))
            #expect(text.status == .unsupportedMediaType)
        }
    }

    @Test func aReferenceIsInspectedWithoutBeingStored() async throws {
        try await RouterTestApp.run { app in
            let clip = try await app.speechWAV()
            let report = try await app.send(.post, "/api/reference/inspect", form: MultipartTestForm().file("file", clip))
            #expect(report.status == .ok, "\(report.text)")
            #expect((report.object["duration_seconds"] as? Double ?? 0) > 1 && report.object["warnings"] is [Any])
            let missing = try await app.send(.post, "/api/reference/inspect", form: MultipartTestForm().field("other", "x"))
            #expect(missing.status == .unprocessableContent)
            let garbage = try await app.send(
                .post, "/api/reference/inspect", form: MultipartTestForm().file("file", Data(repeating: 1, count: 300)))
            #expect(garbage.status.code >= 400 && garbage.status.code < 500, "\(garbage.text)")
        }
    }
}
