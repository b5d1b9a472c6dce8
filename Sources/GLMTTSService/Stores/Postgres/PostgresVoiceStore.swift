import Foundation
import GLMTTSEngine
import PostgresNIO

/// `VoiceStore` in PostgreSQL (`PostgresServiceDatabase`), shared by every node. The quality
/// report is JSON in `bytea`, dates seconds since 1970, as in `SQLiteVoiceStore`.
public final class PostgresVoiceStore: VoiceStore {
    private let database: PostgresServiceDatabase

    /// A store in `database`.
    public init(database: PostgresServiceDatabase) {
        self.database = database
    }

    /// Saves a new voice; fails when its id is taken or is not a valid voice id.
    public func insert(_ voice: VoiceRecord) async throws {
        guard VoiceRecord.isValidID(voice.id) else {
            throw StoreError.failed(operation: "saving a voice", reason: "the voice id is not 32 lowercase hex digits")
        }
        let quality = try JSONEncoder().encode(voice.quality)
        try await database.run("saving a voice") { client in
            _ = try await client.query(
                """
                INSERT INTO voices (id, name, created_at, reference_text, transcribed, quality, owner)
                VALUES (\(voice.id), \(voice.name), \(voice.createdAt.timeIntervalSince1970), \(voice.referenceText),
                        \(voice.transcribed), \(quality), \(voice.owner))
                """)
        }
    }

    public func voice(id: String) async throws -> VoiceRecord? {
        try await voices("reading a voice", "SELECT * FROM voices WHERE id = \(id)").first
    }

    /// Voices whose name is exactly `name`, newest first.
    public func voices(named name: String) async throws -> [VoiceRecord] {
        try await voices("reading voices", "SELECT * FROM voices WHERE name = \(name) ORDER BY created_at DESC, id")
    }

    /// All voices, newest first.
    public func allVoices() async throws -> [VoiceRecord] {
        try await voices("listing voices", "SELECT * FROM voices ORDER BY created_at DESC, id")
    }

    /// Deletes a voice's record (not its clip); false when there was none.
    public func delete(id: String) async throws -> Bool {
        try await database.run("deleting a voice") { client in
            var deleted = false
            for try await _ in try await client.query("DELETE FROM voices WHERE id = \(id) RETURNING id").decode(String.self) {
                deleted = true
            }
            return deleted
        }
    }

    private func voices(_ operation: String, _ query: PostgresQuery) async throws -> [VoiceRecord] {
        try await database.run(operation) { client in
            var voices: [VoiceRecord] = []
            for try await row in try await client.query(query) {
                let row = row.makeRandomAccess()
                voices.append(
                    VoiceRecord(
                        id: try row["id"].decode(String.self), name: try row["name"].decode(String.self),
                        createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
                        referenceText: try row["reference_text"].decode(String?.self),
                        transcribed: try row["transcribed"].decode(Bool.self),
                        quality: try JSONDecoder().decode(ReferenceQualityReport.self, from: try row["quality"].decode(Data.self)),
                        owner: try row["owner"].decode(String?.self)))
            }
            return voices
        }
    }
}
