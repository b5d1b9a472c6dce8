import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import GLMTTSServer

/// The OpenAI-compatible surface (`/v1/audio/speech`, `/v1/audio/transcriptions`,
/// `/v1/models`): answers, and errors in OpenAI's shape.
@Suite struct OpenAIRouterTests {
    @Test func speechAnswersWithAudioOrAnEventStream() async throws {
        try await RouterTestApp.run { app in
            let audio = try await app.send(
                .post, "/v1/audio/speech",
                json: ["model": "tts-1", "input": "Hello there.", "voice": "espeak-en-us", "response_format": "wav"])
            #expect(audio.status == .ok && audio.headers[.contentType] == "audio/wav")
            #expect(audio.data.prefix(4) == Data("RIFF".utf8) && audio.header("X-Task-Id") != nil)
            let sse = try await app.send(
                .post, "/v1/audio/speech",
                json: ["model": "espeak-en-us", "input": "Hi.", "voice": "alloy", "stream_format": "sse"])
            #expect(sse.status == .ok && sse.headers[.contentType] == "text/event-stream")
            #expect(sse.text.contains("speech.audio.delta") && sse.text.contains("speech.audio.done"))
            #expect(app.dependencies.streams.total == 0)
        }
    }

    @Test func errorsUseOpenAIsShape() async throws {
        try await RouterTestApp.run { app in
            let missing = try await app.send(.post, "/v1/audio/speech", json: ["model": "tts-1", "voice": "alloy"])
            #expect(missing.status == .badRequest && missing.headers[.contentType] == "application/json")
            let error = try #require(missing.object["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error" && error["param"] as? String == "input")
            let voice = try await app.send(.post, "/v1/audio/speech", json: ["model": "tts-1", "input": "Hi", "voice": "nobody-at-all"])
            #expect(voice.status == .notFound && voice.problemCode == "voice.not_found")
            let noFile = try await app.send(.post, "/v1/audio/transcriptions", form: MultipartTestForm().field("model", "whisper-1"))
            #expect(noFile.status == .badRequest && noFile.problemCode == "request.missing_field")
            let json = try await app.send(.post, "/v1/audio/transcriptions", json: ["model": "whisper-1"])
            #expect(json.status == .unsupportedMediaType && json.object["error"] != nil)
        }
    }

    @Test func modelsAreListed() async throws {
        try await RouterTestApp.run { app in
            let models = try await app.send(.get, "/v1/models")
            #expect(models.status == .ok && models.object["object"] as? String == "list")
            let ids = (models.object["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            #expect(ids.contains("espeak-en-us") && ids.contains("en_US-joe-medium"))
        }
    }
}
