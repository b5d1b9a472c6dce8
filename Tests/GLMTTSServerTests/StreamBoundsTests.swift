import Foundation
import GLMTTSEngine
import GLMTTSService
import OpenAPIRuntime
import Testing

@testable import GLMTTSServer

/// Every stream buffer is bounded: a reader that stops reading is cut off with a clear end
/// and a gap-free prefix, resumes without gaps, and never holds a job up; stream slots are
/// released when streams end. Real `ProgressHub` over a real SQLite store; the SSE body is
/// the one the server sends.
@Suite struct StreamBoundsTests {
    /// A hub over a fresh SQLite store holding one queued job.
    private static func withHub(bufferLimit: Int, _ body: (ProgressHub, JobID) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glmtts-streams-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let database = try ServiceDatabase(path: root.appendingPathComponent("service.sqlite"))
        let store = SQLiteJobStore(database: database)
        let job = try await store.insert(JobRecord(payload: .synthesis(SynthesisJobSpec(text: try SpeechText("Hello."))), lane: "cpu"))
        try await body(ProgressHub(store: store, bufferLimit: bufferLimit), job.id)
        try database.close()
    }

    private static func progress(_ id: JobID, _ n: Int) -> JobEvent {
        JobEvent(jobID: id, kind: .progress, fraction: Double(n) / 100, sentence: n, sentenceCount: 100)
    }

    /// Reads a whole SSE body into text.
    private static func text(of body: HTTPBody) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in body { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The `id:` values of the events in an SSE text, in order.
    private static func ids(in text: String) -> [Int] {
        text.split(separator: "\n").compactMap { line in line.hasPrefix("id: ") ? Int(line.dropFirst(4)) : nil }
    }

    /// Polls `condition` for up to 2 minutes; records an issue naming `what` if it never holds.
    private static func waitUntil(_ what: String, _ condition: () async -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func stalledSSEReaderIsCutOffWithAGapFreePrefixAndResumesWithoutGaps() async throws {
        try await Self.withHub(bufferLimit: 8) { hub, id in
            let events = try await hub.subscribe(to: id, jobIsFinal: false)
            let body = ServerSentEvents.stream(events, after: 0, keepAlive: 3_600) { event in
                (event.kind.rawValue, APIModels.event(event))
            }
            // Nobody reads the body while the job publishes 40 events: none of this waits.
            for n in 1...40 { await hub.publish(Self.progress(id, n)) }
            await Self.waitUntil("the stalled reader's subscription to be dropped") { await hub.subscriberCount() == 0 }
            await hub.publish(JobEvent(jobID: id, kind: .completed))  // the job goes on and ends

            let received = try await Self.text(of: body)
            let ids = Self.ids(in: received)
            #expect(!ids.isEmpty && ids.count < 40)
            #expect(ids == Array(1...ids.count), "a prefix without holes")
            #expect(received.hasSuffix(ServerSentEvents.cutOffNotice))

            // Reconnecting with Last-Event-ID = the last id seen gets exactly the rest.
            let again = try await hub.subscribe(to: id, jobIsFinal: true)
            let resumed = ServerSentEvents.stream(again, after: ids.last!, keepAlive: 3_600) { event in
                (event.kind.rawValue, APIModels.event(event))
            }
            let rest = try await Self.text(of: resumed)
            #expect(ids + Self.ids(in: rest) == Array(1...41))
            #expect(rest.contains("event: completed"))
            #expect(!rest.contains("cut off"))
        }
    }

    @Test func aLongHistoryIsReplayedWholeToAReaderWhateverTheBufferLimit() async throws {
        try await Self.withHub(bufferLimit: 2) { hub, id in
            for n in 1...300 { await hub.publish(Self.progress(id, n)) }
            await hub.publish(JobEvent(jobID: id, kind: .completed))
            let events = try await hub.subscribe(to: id, jobIsFinal: true)
            let body = ServerSentEvents.stream(events, after: 0, keepAlive: 3_600) { event in
                (event.kind.rawValue, APIModels.event(event))
            }
            let received = try await Self.text(of: body)
            #expect(Self.ids(in: received) == Array(1...301))
            #expect(!received.contains("cut off"))
        }
    }

    @Test func unnamedEventsCarryEveryIDAndTheReferenceFields() async throws {
        try await Self.withHub(bufferLimit: 1_000) { hub, id in
            let events = try await hub.subscribe(to: id, jobIsFinal: false)
            let body = ServerSentEvents.stream(events, after: 0, keepAlive: 3_600) { event in
                (nil as String?, APIModels.event(event))
            }
            let reader = Task { try await Self.text(of: body) }
            for n in 1...200 { await hub.publish(Self.progress(id, n)) }
            await hub.publish(JobEvent(jobID: id, kind: .completed))
            let received = try await reader.value
            // Unnamed events (the reference product's form) with every id, and no cut-off.
            #expect(Self.ids(in: received) == Array(1...201))
            #expect(!received.contains("event: ") && !received.contains("cut off"))
            #expect(received.contains("\"status\":\"completed\"") && received.contains("\"message\":\"Synthesising sentence 3 of 100\""))
        }
    }

    @Test func aDroppedBodyEndsItsSubscription() async throws {
        try await Self.withHub(bufferLimit: 100) { hub, id in
            var body: HTTPBody? = ServerSentEvents.stream(
                try await hub.subscribe(to: id, jobIsFinal: false), after: 0,
                keepAlive: 3_600
            ) { event in (nil as String?, APIModels.event(event)) }
            #expect(await hub.subscriberCount() == 1)
            _ = body
            body = nil  // the server stops reading: the client went away
            await Self.waitUntil("the dropped body's subscription to end") { await hub.subscriberCount() == 0 }
        }
    }

    @Test func hubCutsOffASubscriberThatFallsBehindWithoutBlockingPublishers() async throws {
        try await Self.withHub(bufferLimit: 3) { hub, id in
            await hub.publish(Self.progress(id, 1))
            let events = try await hub.subscribe(to: id, jobIsFinal: false)  // history: 1 event
            for n in 2...10 { await hub.publish(Self.progress(id, n)) }
            #expect(await hub.subscriberCount() == 0)
            #expect(await hub.cutOffCount == 1)
            var sequences: [Int] = []
            for await event in events { sequences.append(event.sequence) }
            #expect(sequences == [1, 2, 3, 4], "the history and bufferLimit live events, then the end")
        }
    }

    @Test func audioListenersAreBoundedAndRemovedWhenARequestIsRefused() async throws {
        try await Self.withHub(bufferLimit: 2) { hub, id in
            let slow = await hub.listenForAudio(to: id)
            for _ in 0..<5 { await hub.publishAudio(AudioBuffer(samples: [0, 0.1], sampleRate: 16_000), of: id) }
            #expect(await hub.audioListenerCount() == 0, "a listener 2 chunks behind is cut off")
            var chunks = 0
            for await _ in slow { chunks += 1 }
            #expect(chunks == 2)

            _ = await hub.listenForAudio(to: id)
            #expect(await hub.audioListenerCount() == 1)
            await hub.stopListeningForAudio(to: id)
            #expect(await hub.audioListenerCount() == 0)
        }
    }

    @Test func streamSlotsCapAClientAndAreReleasedOnceWhenStreamsEnd() async throws {
        let slots = StreamSlots()
        var held: [StreamSlot] = []
        for _ in 0..<3 { held.append(try #require(slots.acquire("key:a", cap: 3))) }
        #expect(slots.acquire("key:a", cap: 3) == nil)
        #expect(slots.acquire("key:b", cap: 3) != nil, "another client has its own slots")
        held[0].release()
        held[0].release()  // a second release gives nothing back twice
        #expect(slots.total == 2)
        let next = try #require(slots.acquire("key:a", cap: 3))
        #expect(slots.acquire("key:a", cap: 3) == nil)

        // A body that ends releases its slot; so does one dropped unread.
        let body = SlotReleasingBody.wrap(HTTPBody("data"), releasing: next)
        for try await _ in body {}
        #expect(slots.total == 2)
        held.removeAll()
        #expect(slots.total == 0)
    }

    @Test func batchArchiveStreamsOneEntryAtATimeIntoAValidZip() async throws {
        let text = try SpeechText("x")
        let jobs = (0..<200).map { index in
            var job = JobRecord(payload: .synthesis(SynthesisJobSpec(text: text)), lane: "cpu", batchIndex: index)
            job.status = .completed
            return job
        }
        let archive = BatchArchiveStream(jobs: jobs) { job in
            [("wav", Data(repeating: UInt8(job.batchIndex! % 256), count: 1_000))]
        }
        var bytes = Data()
        var pieces = 0
        while let chunk = try await archive.next() {
            bytes.append(contentsOf: chunk)
            pieces += 1
        }
        #expect(pieces == 201, "one piece per job, then the directory")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("batch-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: file) }
        try bytes.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
            names = [i.filename for i in z.infolist()]
            assert names == [f"{i:03d}.wav" for i in range(1, 201)], names[:3]
            assert z.read("007.wav") == bytes([6]) * 1000
            """, file.path,
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
