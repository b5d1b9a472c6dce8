import Foundation
import Testing

@testable import GLMTTSEngine

/// The core budget that decides between one wide session and parallel one-thread sessions.
struct InferenceThreadsTests {
    @Test func aLoneOneChunkRequestGetsEveryCore() async throws {
        let budget = InferenceThreads(cores: 2)
        budget.beginRequest()
        #expect(try await budget.acquire(chunkCount: 1) == 2)
        #expect(await budget.available() == 0)
        await budget.release(2)
        #expect(try await budget.acquire(chunkCount: 5) == 1, "the chunks of a long text run one per core")
        await budget.release(1)
        budget.endRequest()
        #expect(await budget.available() == 2)
    }

    @Test func freeMemoryIsGivenBackOnlyAfterAnIdlePause() async throws {
        let budget = InferenceThreads(cores: 2, idleTrimDelay: .milliseconds(300))
        // Back-to-back work (the next lease within the pause) never trims.
        for _ in 0..<5 {
            let threads = try await budget.acquire(chunkCount: 1)
            await budget.release(threads)
            try await Task.sleep(for: .milliseconds(20))
        }
        let held = try await budget.acquire(chunkCount: 3)
        try await Task.sleep(for: .milliseconds(600))
        #expect(await budget.trimCount() == 0, "nothing is trimmed while a lease is out or right after one")
        await budget.release(held)
        for _ in 0..<500 where await budget.trimCount() == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await budget.trimCount() == 1, "one trim after the idle pause")
    }

    @Test func concurrentRequestsGetOneCoreEach() async throws {
        let budget = InferenceThreads(cores: 2)
        budget.beginRequest()
        budget.beginRequest()
        #expect(try await budget.acquire(chunkCount: 1) == 1)
        #expect(try await budget.acquire(chunkCount: 1) == 1)
        #expect(await budget.available() == 0)
        await budget.release(1)
        await budget.release(1)
        #expect(await budget.handedOut() == InferenceThreads.Usage(wide: 0, narrow: 2, peakInUse: 2))
    }

    @Test func aOneRequestProcessKeepsALoneLongRequestOnEveryCore() async throws {
        let budget = InferenceThreads(cores: 2)
        budget.beginRequest()
        #expect(try await budget.acquire(chunkCount: 5) == 1, "a server splits a lone long request")
        await budget.release(1)
        #expect(!budget.servesOneRequest)
        await budget.keepLoneRequestsWhole()
        #expect(budget.servesOneRequest)
        #expect(try await budget.acquire(chunkCount: 5) == 2, "one request per process: the wide session")
        await budget.release(2)
        budget.beginRequest()
        #expect(try await budget.acquire(chunkCount: 5) == 1, "concurrent requests still get one core each")
        await budget.release(1)
    }

    @Test func waitersAreServedInOrderAndNeverOversubscribe() async throws {
        let budget = InferenceThreads(cores: 2)
        budget.beginRequest()
        budget.beginRequest()
        _ = try await budget.acquire(chunkCount: 3)
        _ = try await budget.acquire(chunkCount: 3)
        let order = OrderLog()
        let first = Task {
            _ = try await budget.acquire(chunkCount: 3)
            await order.add(1)
        }
        try await Self.waitUntil { await budget.waiting() == 1 }
        let second = Task {
            _ = try await budget.acquire(chunkCount: 3)
            await order.add(2)
        }
        try await Self.waitUntil { await budget.waiting() == 2 }
        await budget.release(1)
        try await first.value
        await budget.release(1)
        try await second.value
        #expect(await order.entries == [1, 2])
        #expect(await budget.handedOut().peakInUse == 2, "never more threads than cores")
    }

    @Test func aCancelledWaiterLeavesTheLine() async throws {
        let budget = InferenceThreads(cores: 1)
        budget.beginRequest()
        #expect(try await budget.acquire(chunkCount: 1) == 1)
        let waiting = Task { try await budget.acquire(chunkCount: 1) }
        try await Self.waitUntil { await budget.waiting() == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(await budget.waiting() == 0)
        await budget.release(1)
        #expect(await budget.available() == 1, "the cancelled waiter took nothing")
    }

    private actor OrderLog {
        var entries: [Int] = []
        func add(_ entry: Int) { entries.append(entry) }
    }

    private static func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<10_000 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("condition not reached in 10 s")
    }
}
