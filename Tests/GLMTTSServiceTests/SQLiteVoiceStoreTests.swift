import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

@Suite struct SQLiteVoiceStoreTests {
    static let quality = ReferenceQualityReport(
        durationSeconds: 8, preparedSeconds: 7.5, speechSeconds: 6, windowSpeechSeconds: 6, speechRatio: 0.75,
        peakDBFS: -3, clippedFraction: 0, rmsDBFS: -22.5, snrDB: nil, sampleRate: 44_100, detector: .energy,
        window: SpeechSegment(start: 0.25, end: 7.75),
        warnings: [
            ReferenceWarning(code: .energyDetector, message: "no VAD"),
            ReferenceWarning(code: .quiet, message: "quiet"),
        ])

    static func voice(
        _ name: String, at seconds: Double, text: String? = "Reference words.",
        owner: String? = nil
    ) -> VoiceRecord {
        VoiceRecord(
            name: name, createdAt: Date(timeIntervalSince1970: 1_700_000_000 + seconds), referenceText: text,
            transcribed: text != nil, quality: quality, owner: owner)
    }

    /// Runs `body` with a voice store (and the job store sharing its file) over a fresh database.
    static func with(_ body: (SQLiteVoiceStore, SQLiteJobStore) async throws -> Void) async throws {
        try await JobTestDatabase.with { database, jobs in
            try await body(SQLiteVoiceStore(database: database), jobs)
        }
    }

    @Test func insertAndReadBackEveryField() async throws {
        try await Self.with { store, _ in
            let voice = Self.voice("Narrator « 1 »", at: 0, owner: "key-9")
            try await store.insert(voice)
            #expect(try await store.voice(id: voice.id) == voice)
            #expect(VoiceRecord.isValidID(voice.id))

            let untranscribed = Self.voice("Silent", at: 1, text: nil)
            try await store.insert(untranscribed)
            let read = try #require(try await store.voice(id: untranscribed.id))
            #expect(read.referenceText == nil)
            #expect(read.transcribed == false)
            #expect(read.owner == nil)
            #expect(read.quality.snrDB == nil)
        }
    }

    @Test func unknownVoiceIsNil() async throws {
        try await Self.with { store, _ in
            try await store.insert(Self.voice("A", at: 0))
            #expect(try await store.voice(id: RandomIdentifier.hex(bytes: 16)) == nil)
        }
    }

    @Test func voicesNamedMatchesExactlyNewestFirst() async throws {
        try await Self.with { store, _ in
            let old = Self.voice("Anna", at: 10)
            let new = Self.voice("Anna", at: 20)
            let other = Self.voice("anna", at: 30)
            let prefix = Self.voice("Anna B", at: 40)
            for voice in [old, other, new, prefix] { try await store.insert(voice) }
            #expect(try await store.voices(named: "Anna").map(\.id) == [new.id, old.id])
            #expect(try await store.voices(named: "anna").map(\.id) == [other.id])
            #expect(try await store.voices(named: "Ann").isEmpty)
            #expect(try await store.voices(named: "Anna' OR '1'='1").isEmpty)
        }
    }

    @Test func allVoicesAreNewestFirst() async throws {
        try await Self.with { store, _ in
            #expect(try await store.allVoices().isEmpty)
            let voices = [Self.voice("b", at: 5), Self.voice("a", at: 50), Self.voice("c", at: 0.5)]
            for voice in voices { try await store.insert(voice) }
            #expect(try await store.allVoices() == [voices[1], voices[0], voices[2]])
        }
    }

    @Test func deleteRemovesOnlyThatVoice() async throws {
        try await Self.with { store, _ in
            let keep = Self.voice("keep", at: 0)
            let drop = Self.voice("drop", at: 1)
            try await store.insert(keep)
            try await store.insert(drop)
            #expect(try await store.delete(id: drop.id))
            #expect(try await store.voice(id: drop.id) == nil)
            #expect(try await store.delete(id: drop.id) == false, "already gone")
            #expect(try await store.allVoices() == [keep])
        }
    }

    @Test func aTakenIdIsRefused() async throws {
        try await Self.with { store, _ in
            let voice = Self.voice("first", at: 0)
            try await store.insert(voice)
            var copy = Self.voice("second", at: 1)
            copy.id = voice.id
            await #expect(throws: StoreError.self) { try await store.insert(copy) }
            #expect(try await store.voice(id: voice.id)?.name == "first")
        }
    }

    @Test(arguments: [
        "", "../../etc/passwd", "ABCDEFABCDEFABCDEFABCDEFABCDEFAB", "abc",
        String(repeating: "a", count: 33), String(repeating: "g", count: 32),
        "0123456789abcdef0123456789abcde/",
    ])
    func idsThatCouldNotNameAFileAreRejected(id: String) async throws {
        #expect(!VoiceRecord.isValidID(id))
        try await Self.with { (store: SQLiteVoiceStore, _: SQLiteJobStore) async throws in
            var voice = Self.voice("bad", at: 0)
            voice.id = id
            let error = await #expect(throws: StoreError.self) { try await store.insert(voice) }
            #expect(error?.message.contains("voice id") == true)
            #expect(try await store.allVoices().isEmpty, "nothing was saved")
            #expect(try await store.voice(id: id) == nil)
            #expect(try await store.delete(id: id) == false)
        }
    }

    @Test func voicesSurviveReopeningAndLiveBesideJobs() async throws {
        let files = try JobTestDatabase()
        defer { files.remove() }
        let voice = Self.voice("Persistent", at: 3, owner: "k")
        let job = JobSamples.job("beside a voice")
        do {
            let database = try files.open()
            try await SQLiteVoiceStore(database: database).insert(voice)
            _ = try await SQLiteJobStore(database: database).insert(job)
            try database.close()
        }
        let database = try files.open()
        defer { try? database.close() }
        let store = SQLiteVoiceStore(database: database)
        #expect(try await store.voice(id: voice.id) == voice)
        #expect(try await store.voices(named: "Persistent") == [voice])
        #expect(try await SQLiteJobStore(database: database).job(job.id)?.id == job.id)
        #expect(try await store.delete(id: voice.id))
        #expect(try await store.allVoices().isEmpty)
    }
}
