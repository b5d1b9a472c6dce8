import Foundation
import GLMTTSEngine
import GLMTTSService

/// Records that keys were used (`last_used_at`) at most once a minute per key, so
/// authenticating a request does not cost a database write each time.
actor KeyUsageRecorder {
    private let keys: any APIKeyStore
    private var lastWritten: [String: Date] = [:]

    init(keys: any APIKeyStore) {
        self.keys = keys
    }

    /// Notes a use of key `id`, writing it when the last write is over a minute old.
    func touch(_ id: String, now: Date = Date()) async {
        if let last = lastWritten[id], now.timeIntervalSince(last) < 60 { return }
        lastWritten[id] = now
        try? await keys.touch(id: id, at: now)
    }
}
