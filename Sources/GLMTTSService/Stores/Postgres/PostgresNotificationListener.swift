import Foundation
import Logging
import PostgresNIO

/// A node's one LISTEN connection to PostgreSQL, turning the store's notifications into
/// `StoreWakeUp`s.
///
/// The database's triggers (`PostgresSchema`, versions 4 and 5) call `pg_notify` on channel
/// `glmtts` in the transaction that makes the change, so a notification arrives only once
/// the change is committed and readable: `q:SENDER:LANE` when a job becomes claimable,
/// `e:SENDER:JOB:SEQ` when a job has event number SEQ, `c:SENDER:JOB` when a client asks to
/// cancel a running job. SENDER is the changing connection's `application_name`; a node
/// skips its own notifications (it acted on its own changes already).
///
/// The connection is its own, outside the pool (a pooled connection is handed to other
/// queries, and postgres-nio does not listen again after a reconnect). When it drops — the
/// server restarted, `pg_terminate_backend`, a network cut — the stream says `notListening`,
/// and the listener connects again with a back-off (0.1 s doubling up to 5 s) and says
/// `listening` once the LISTEN is in place again, so the node reads what it missed.
///
/// Behind PgBouncer in transaction mode LISTEN silently hears nothing: point the nodes at
/// PostgreSQL itself (docs/DEPLOY.md); the nodes' polling still works then, only slower.
struct PostgresNotificationListener: Sendable {
    /// The notification channel the triggers notify.
    static let channel = "glmtts"
    /// Where to connect, and as whom.
    let database: PostgresServiceDatabase

    /// Notifications until the stream is dropped (which closes the connection).
    func wakeUps() -> AsyncStream<StoreWakeUp> {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreWakeUp.self, bufferingPolicy: .bufferingNewest(4096))
        let task = Task {
            await listen(into: continuation)
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// `payload` as a wake-up; nil for one this version does not know, and for one sent by
    /// `ownName` (this node's `application_name`).
    static func wakeUp(_ payload: String, ownName: String?) -> StoreWakeUp? {
        let fields = payload.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, ownName.map({ fields[1] != $0 }) ?? true else { return nil }
        let value = String(fields[2])
        switch fields[0] {
        case "q": return .queued(JobLane(rawValue: value))
        case "e": return JobID(String(value.prefix { $0 != ":" })).map(StoreWakeUp.event)
        case "c": return JobID(value).map(StoreWakeUp.cancelRequested)
        default: return nil
        }
    }

    private var logger: Logger { database.logger }

    /// Connects, listens and forwards until cancelled, connecting again after every drop.
    private func listen(into continuation: AsyncStream<StoreWakeUp>.Continuation) async {
        var delay = Duration.milliseconds(100)
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try database.connectionConfiguration(), id: attempt, logger: logger)
                do {
                    try await connection.listen(on: Self.channel) { notifications in
                        continuation.yield(.listening)
                        delay = .milliseconds(100)
                        for try await notification in notifications {
                            if let wakeUp = Self.wakeUp(notification.payload, ownName: database.applicationName) {
                                continuation.yield(wakeUp)
                            }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning("the database's notifications stopped (\(Self.reason(error))): connecting again")
                    }
                }
                try? await connection.close()
            } catch {
                if !Task.isCancelled {
                    logger.warning("could not listen for the database's notifications (\(Self.reason(error))); polling meanwhile")
                }
            }
            continuation.yield(.notListening)
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// What went wrong, without SQL or the server's text.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError { return "\(error.code)" }
        return String(describing: type(of: error))
    }
}
