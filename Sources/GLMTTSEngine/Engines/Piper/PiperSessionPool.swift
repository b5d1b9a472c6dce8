import Foundation

/// The loaded sessions of one Piper voice, handed out one caller at a time.
///
/// A voice keeps sessions for the two most recently used noise settings (temperature maps to
/// them, and sherpa-onnx fixes them per load); within one setting, as many sessions per thread
/// count as were ever in use at once — `InferenceThreads` bounds that by the cores (at most one
/// wide session and one narrow session per core). Evicted sessions still in use are released
/// when their caller finishes.
final class PiperSessionPool: @unchecked Sendable {
    // @unchecked Sendable: every stored property is guarded by `lock`.
    /// Noise settings kept loaded (each holds the model in memory once per session).
    static let noiseSettingsKept = 2

    private let lock = NSLock()
    private var idle: [PiperSessionKey: [PiperSession]] = [:]
    private var recentNoise: [String] = []
    private let make: @Sendable (PiperSessionKey) -> PiperSession

    /// A pool whose new sessions come from `make` (unloaded; they load on first use).
    init(make: @escaping @Sendable (PiperSessionKey) -> PiperSession) {
        self.make = make
    }

    /// An idle session for `key`, or a new one; the caller gives it back with `checkIn`.
    func checkOut(_ key: PiperSessionKey) -> PiperSession {
        lock.withLock {
            recentNoise.removeAll { $0 == key.noiseKey }
            recentNoise.append(key.noiseKey)
            while recentNoise.count > Self.noiseSettingsKept {
                let evicted = recentNoise.removeFirst()
                idle = idle.filter { $0.key.noiseKey != evicted }
            }
            if var sessions = idle[key], let session = sessions.popLast() {
                idle[key] = sessions
                return session
            }
            return make(key)
        }
    }

    /// Makes sure `count` sessions for `key` exist and returns them, idle: a caller that checks
    /// one out while it loads waits on its executor for the load, instead of loading another.
    func ensure(_ key: PiperSessionKey, count: Int) -> [PiperSession] {
        lock.withLock {
            var sessions = idle[key, default: []]
            while sessions.count < count { sessions.append(make(key)) }
            if !recentNoise.contains(key.noiseKey) { recentNoise.append(key.noiseKey) }
            idle[key] = sessions
            return sessions
        }
    }

    /// Returns a session got from `checkOut`; it is dropped if its noise setting was evicted meanwhile.
    func checkIn(_ session: PiperSession) {
        lock.withLock {
            guard recentNoise.contains(session.key.noiseKey) else { return }
            idle[session.key, default: []].append(session)
        }
    }

    /// How many sessions are idle (loaded or not), for tests.
    var idleCount: Int { lock.withLock { idle.values.reduce(0) { $0 + $1.count } } }
}
