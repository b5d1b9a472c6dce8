import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// Collects a job's event stream as it arrives.
final class EventRecorder: Sendable {
    struct Log: Sendable {
        var events: [JobEvent] = []
        var ended = false
    }

    let log = JobTestProbe(Log())

    init(_ stream: AsyncStream<JobEvent>) {
        let log = self.log
        Task {
            for await event in stream { log.update { $0.events.append(event) } }
            log.update { $0.ended = true }
        }
    }

    /// Subscribes to `id` on `hub`.
    static func subscribe(_ hub: ProgressHub, to id: JobID) async throws -> EventRecorder {
        EventRecorder(try await hub.subscribe(to: id, jobIsFinal: false))
    }

    /// Every event, once the stream has ended.
    func untilEnd(_ what: String = "the event stream to end") async throws -> [JobEvent] {
        try await log.wait(what) { $0.ended }
        return log.value.events
    }

    /// Waits until an event of `kind` arrived.
    func waitFor(_ kind: JobEvent.Kind) async throws {
        try await log.wait("a \(kind.rawValue) event") { $0.events.contains { $0.kind == kind } }
    }
}
