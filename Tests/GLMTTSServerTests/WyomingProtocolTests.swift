import Foundation
import GLMTTSEngine
import Testing

@testable import GLMTTSServer

/// The Wyoming framing (`WyomingEvent`, `WyomingEventParser`), the streamed-text sentence
/// cutter and the audio format, on their own; the server is tested with the official
/// `wyoming` client in Tests/python/test_wyoming.py.
@Suite struct WyomingProtocolTests {
    private func parse(_ bytes: [UInt8], limits: WyomingEventParser.Limits = .init(), pieceSize: Int = .max) -> [WyomingEventParser.Output]
    {
        var parser = WyomingEventParser(limits: limits)
        var outputs: [WyomingEventParser.Output] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + pieceSize)
            parser.append(bytes[offset..<end])
            offset = end
            while let output = parser.next() { outputs.append(output) }
        }
        return outputs
    }

    @Test func anEncodedEventReadsBackWithDataAndPayload() {
        let event = WyomingEvent(
            "audio-chunk", data: ["rate": .number(22050), "width": .number(2), "channels": .number(1)], payload: [1, 2, 3, 4])
        let bytes = event.encoded()
        let header = String(decoding: bytes.prefix(while: { $0 != UInt8(ascii: "\n") }), as: UTF8.self)
        #expect(header.contains("\"data_length\":"))
        #expect(header.contains("\"payload_length\":4"))
        #expect(header.contains("\"version\":\"\(WyomingEvent.protocolVersion)\""))
        // Byte by byte, as a slow network would deliver it.
        #expect(parse(bytes + bytes, pieceSize: 1) == [.event(event), .event(event)])
    }

    @Test func inlineDataAndTheDataBlockAreMerged() {
        let bytes =
            Array(#"{"type":"synthesize","data":{"text":"old","voice":{"name":"a"}},"data_length":14}"#.utf8) + [10]
            + Array(#"{"text":"new"}"#.utf8)
        #expect(
            parse(bytes) == [.event(WyomingEvent("synthesize", data: ["text": .string("new"), "voice": .object(["name": .string("a")])]))])
    }

    @Test func malformedEventsAreRefusedAndTheNextEventStillReads() {
        let describe = WyomingEvent("describe").encoded()
        let cases: [[UInt8]] = [
            Array("not json\n".utf8),
            Array("[1,2]\n".utf8),
            Array(#"{"data":{}}"#.utf8) + [10],
            Array(#"{"type":42}"#.utf8) + [10],
            Array(#"{"type":"x","data_length":-1}"#.utf8) + [10],
            Array(#"{"type":"x","data_length":1.5}"#.utf8) + [10],
            Array(#"{"type":"x","data":"text"}"#.utf8) + [10],
            Array(#"{"type":"x","data_length":5}"#.utf8) + [10] + Array("[1,2]".utf8),
            Array(#"{"type":"x","data_length":3}"#.utf8) + [10] + Array("{{{".utf8),
            Array("{\"type\":\"\(String(repeating: "t", count: 65))\"}\n".utf8),
        ]
        for bytes in cases {
            let outputs = parse(bytes + describe)
            #expect(outputs.count == 2, "\(String(decoding: bytes, as: UTF8.self))")
            guard case .refused? = outputs.first else {
                Issue.record("not refused: \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            #expect(outputs.last == .event(WyomingEvent("describe")))
        }
    }

    @Test func oversizedPartsAreSkippedWithoutBeingBuffered() {
        let limits = WyomingEventParser.Limits(maxHeaderBytes: 100, maxDataBytes: 50, maxPayloadBytes: 1000)
        let describe = WyomingEvent("describe").encoded()
        // A payload over the limit: skipped as it arrives.
        var parser = WyomingEventParser(limits: limits)
        parser.append(Array(#"{"type":"audio-chunk","payload_length":100000}"#.utf8) + [10])
        #expect(parser.next() == .refused("The event's payload (100000 bytes) is larger than 1000 bytes; it was skipped."))
        for _ in 0..<100 {
            parser.append([UInt8](repeating: 7, count: 1000))
            #expect(parser.next() == nil)
            #expect(parser.bufferedBytes == 0)
        }
        parser.append(describe)
        #expect(parser.next() == .event(WyomingEvent("describe")))
        // Data over the limit, and a header line with no end in sight.
        #expect(
            parse(Array(#"{"type":"x","data_length":51}"#.utf8) + [10] + [UInt8](repeating: 32, count: 51) + describe, limits: limits).count
                == 2)
        var endless = WyomingEventParser(limits: limits)
        endless.append([UInt8](repeating: UInt8(ascii: "{"), count: 101))
        guard case .refused? = endless.next() else {
            Issue.record("an endless header line was not refused")
            return
        }
        for _ in 0..<10 {
            endless.append([UInt8](repeating: UInt8(ascii: "{"), count: 1000))
            #expect(endless.next() == nil)
            #expect(endless.bufferedBytes == 0)
        }
        endless.append([10] + describe)
        #expect(endless.next() == .event(WyomingEvent("describe")))
    }

    @Test func consumedBytesCountWhatEventsHoldNotWhatWasSkipped() {
        let limits = WyomingEventParser.Limits(maxHeaderBytes: 100, maxDataBytes: 50, maxPayloadBytes: 1000)
        var parser = WyomingEventParser(limits: limits)
        let chunk = WyomingEvent("audio-chunk", data: ["rate": .number(16000)], payload: [UInt8](repeating: 1, count: 900)).encoded()
        parser.append(chunk)
        guard case .event? = parser.next() else {
            Issue.record("the chunk was not read")
            return
        }
        #expect(parser.consumedBytes == chunk.count)
        let oversized = Array(#"{"type":"audio-chunk","payload_length":5000}"#.utf8) + [10]
        parser.append(oversized + [UInt8](repeating: 0, count: 5000))
        guard case .refused? = parser.next() else {
            Issue.record("the oversized chunk was not refused")
            return
        }
        #expect(parser.next() == nil)
        #expect(parser.consumedBytes == chunk.count + oversized.count, "the 5000 skipped bytes are not counted")
    }

    @Test func streamedTextIsCutIntoWholeSentences() {
        var buffer = StreamedTextBuffer()
        #expect(buffer.append("Hello wor") == nil)
        #expect(buffer.append("ld. It costs 3") == "Hello world. ")
        #expect(buffer.append(".5 euros") == nil)
        #expect(buffer.append("! And") == "It costs 3.5 euros! ")
        #expect(buffer.append(" then") == nil)
        #expect(buffer.finish() == "And then")
        #expect(buffer.finish() == nil)
        #expect(buffer.append("你好。今天") == "你好。")
        #expect(buffer.append("天气很好！") == "今天天气很好！")
        #expect(buffer.append("   ") == nil)
        #expect(buffer.finish() == nil)
        #expect(buffer.receivedCharacters == 54)
    }

    @Test func audioFormatsAreCheckedAndMixedToMono() {
        func format(_ data: [String: JSONValue]) -> WyomingAudioFormat? {
            try? WyomingAudioFormat.from(WyomingEvent("audio-start", data: data)).get()
        }
        #expect(
            format(["rate": .number(16000), "width": .number(2), "channels": .number(1)])
                == WyomingAudioFormat(rate: 16000, width: 2, channels: 1))
        #expect(format(["rate": .number(16000), "width": .number(3), "channels": .number(1)]) == nil)
        #expect(format(["rate": .number(100), "width": .number(2), "channels": .number(1)]) == nil)
        #expect(format(["rate": .string("16000"), "width": .number(2), "channels": .number(1)]) == nil)
        #expect(format(["width": .number(2), "channels": .number(1)]) == nil)
        let stereo = WyomingAudioFormat(rate: 16000, width: 2, channels: 2)
        // Frames (16384, -16384) and (32767, 32767), plus a partial frame that is dropped.
        let samples = stereo.monoSamples([0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0xFF, 0x7F, 0x01])
        #expect(samples.count == 2)
        #expect(abs(samples[0]) < 1e-6)
        #expect(abs(samples[1] - 32767 / 32768) < 1e-6)
        #expect(WyomingAudioFormat(rate: 8000, width: 1, channels: 1).monoSamples([128, 255, 0]) == [0, 127 / 128, -1])
    }

    @Test func infoListsVoicesAndRecognizersWithWhisperLanguages() throws {
        let root = URL(fileURLWithPath: "/tmp")
        func model(_ id: String, _ engine: EngineKind, _ languages: [String]) -> InstalledModel {
            InstalledModel(
                manifest: ModelManifest(
                    id: id, engine: engine, description: "d", sampleRate: 22050, languages: languages, files: [:], licence: "CC0",
                    capabilities: .init(canClone: false, streaming: true)),
                directory: root)
        }
        let info = WyomingInfo.event(models: [
            model("en_US-joe-medium", .piper, ["en-US"]), model("whisper-base", .fasterWhisper, ["*"]),
            model("silero-vad", .sileroVAD, ["*"]),
        ])
        #expect(info.type == "info")
        let tts = try #require(info.data["tts"]?.arrayValue?.first)
        #expect(tts["supports_synthesize_streaming"] == .bool(true))
        #expect(tts["voices"]?.arrayValue?.map { $0["name"] } == [.string("en_US-joe-medium")])
        #expect(tts["voices"]?.arrayValue?.first?["languages"] == .array([.string("en-US")]))
        let asr = try #require(info.data["asr"]?.arrayValue?.first)
        #expect(asr["models"]?.arrayValue?.map { $0["name"] } == [.string("whisper-base")])
        #expect(asr["models"]?.arrayValue?.first?["languages"]?.arrayValue?.contains(.string("zh")) == true)
    }
}
