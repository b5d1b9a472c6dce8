import Logging
import Synchronization

/// Log lines kept in memory so tests can read what the server logged.
final class CapturedLog: Sendable {
    /// One logged line.
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])

    /// Every line so far.
    var all: [Line] { lines.withLock { $0 } }

    /// The access-log lines (`request`) of `path`.
    func requests(path: String) -> [Line] {
        all.filter { $0.message == "request" && $0.metadata["path"] == path }
    }

    func append(_ line: Line) { lines.withLock { $0.append(line) } }
}

/// A `LogHandler` that writes into a `CapturedLog`.
struct CapturedLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata.mapValues { "\($0)" }
        for (key, value) in event.metadata ?? [:] { fields[key] = "\(value)" }
        log.append(.init(level: event.level, message: "\(event.message)", metadata: fields))
    }
}
