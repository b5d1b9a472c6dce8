import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// What the test executor does with one job (found by the job's text).
struct JobScript: Sendable {
    /// From this attempt on, wait until the test releases the job (or the task is cancelled).
    var holdFromAttempt: Int?
    /// The first attempts fail with a retryable problem.
    var retryableFailures = 0
    /// Then fail with this error.
    var failure: (any Error)?
    /// Progress fractions to report before finishing.
    var progress: [Double] = []

    static let holding = JobScript(holdFromAttempt: 1)
}
