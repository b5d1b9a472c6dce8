import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// What the test executor saw.
struct ExecutorLog: Sendable {
    var runningByLane: [JobLane: Int] = [:]
    var maxRunningByLane: [JobLane: Int] = [:]
    /// Every attempt, in start order.
    var starts: [JobID] = []
    /// Attempts that ended (any way).
    var ends: [JobID] = []
    var released: Set<JobID> = []
    var sawCancellation: Set<JobID> = []

    func startCount(of id: JobID) -> Int { starts.filter { $0 == id }.count }
    func isRunning(_ id: JobID) -> Bool { startCount(of: id) > ends.filter { $0 == id }.count }
}
