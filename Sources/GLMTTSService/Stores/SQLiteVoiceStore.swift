import Foundation
import GLMTTSEngine
import GRDB

/// `VoiceStore` in the SQLite service database (`ServiceDatabase`). The quality report is
/// stored as JSON, dates as seconds since 1970.
public final class SQLiteVoiceStore: VoiceStore {
    private let database: ServiceDatabase

    /// A store in `database`.
    public init(database: ServiceDatabase) {
        self.database = database
    }

    /// Saves a new voice; fails when its id is taken or is not a valid voice id (32 lowercase
    /// hex digits, see `VoiceRecord.isValidID`), since the clip's file name is built from it.
    public func insert(_ voice: VoiceRecord) async throws {
        guard VoiceRecord.isValidID(voice.id) else {
            throw StoreError.failed(operation: "saving a voice", reason: "the voice id is not 32 lowercase hex digits")
        }
        let quality = try JSONEncoder().encode(voice.quality)
        try await database.write("saving a voice") { db in
            try db.execute(
                sql: """
                    INSERT INTO voices (id, name, created_at, reference_text, transcribed, quality, owner)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    voice.id, voice.name, voice.createdAt.timeIntervalSince1970, voice.referenceText,
                    voice.transcribed, quality, voice.owner,
                ])
        }
    }

    /// The voice `id`, or nil.
    public func voice(id: String) async throws -> VoiceRecord? {
        try await database.read("reading a voice") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM voices WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// Voices whose name is exactly `name`, newest first.
    public func voices(named name: String) async throws -> [VoiceRecord] {
        try await database.read("reading voices") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM voices WHERE name = ? ORDER BY created_at DESC, id",
                arguments: [name]
            ).map(Self.record)
        }
    }

    /// All voices, newest first.
    public func allVoices() async throws -> [VoiceRecord] {
        try await database.read("listing voices") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM voices ORDER BY created_at DESC, id").map(Self.record)
        }
    }

    /// Deletes a voice's record (not its clip); false when there was none.
    public func delete(id: String) async throws -> Bool {
        try await database.write("deleting a voice") { db in
            try db.execute(sql: "DELETE FROM voices WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    private static func record(_ row: Row) throws -> VoiceRecord {
        let quality = try JSONDecoder().decode(
            ReferenceQualityReport.self,
            from: try row.decode(Data.self, forColumn: "quality"))
        return VoiceRecord(
            id: try row.decode(String.self, forColumn: "id"),
            name: try row.decode(String.self, forColumn: "name"),
            createdAt: Date(timeIntervalSince1970: try row.decode(Double.self, forColumn: "created_at")),
            referenceText: try row.decode(String?.self, forColumn: "reference_text"),
            transcribed: try row.decode(Bool.self, forColumn: "transcribed"),
            quality: quality,
            owner: try row.decode(String?.self, forColumn: "owner"))
    }
}
