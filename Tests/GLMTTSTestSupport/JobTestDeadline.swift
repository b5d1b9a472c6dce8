import Foundation

/// A test waited longer than any healthy run needs.
public struct JobTestTimeout: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `JobTestTimeout` when it has not finished after `seconds`.
/// The limit is a safety net against hangs, never a measure: healthy runs finish in milliseconds.
/// `body` must end when its task is cancelled (`JobTestProbe.wait` and `AsyncStream` iteration do).
public func withJobTestDeadline<T: Sendable>(
    _ what: String, seconds: Double = 300,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw JobTestTimeout(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
