import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

// MARK: - Shared by the scheduler tests

/// Closes `database` on a thread of its own: closing blocks until in-flight reads return,
/// and those need a thread of Swift's cooperative pool (two on a 2-core machine) to resume.
func closeOffThePool(_ database: ServiceDatabase) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            try? database.close()
            continuation.resume()
        }.start()
    }
}

/// The kinds of `events`, without the `queued` position updates that follow the first event.
func kinds(_ events: [JobEvent]) -> [JobEvent.Kind] {
    guard let first = events.first else { return [] }
    return [first.kind] + events.dropFirst().map(\.kind).filter { $0 != .queued }
}

// MARK: - Tests

@Suite struct JobSchedulerTests {
    static let permanent = JobProblem(
        code: "test.bad_input", title: "Invalid input", category: .invalidInput,
        detail: "The text cannot be spoken.", retryable: false)
}
