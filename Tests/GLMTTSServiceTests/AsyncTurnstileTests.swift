import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSService

@Suite struct AsyncTurnstileTests {
    @Test func aFreeTurnIsTakenAtOnceAndGivenBack() async {
        let turns = AsyncTurnstile()
        #expect(!turns.isBusy)
        await turns.enter()
        #expect(turns.isBusy)
        #expect(turns.waitingCount == 0)
        turns.leave()
        #expect(!turns.isBusy)
        await turns.enter()
        turns.leave()
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let turns = AsyncTurnstile()
        let order = JobTestProbe<[Int]>([])
        await turns.enter()
        var waiters: [Task<Void, Never>] = []
        for index in 0..<8 {
            waiters.append(
                Task {
                    await turns.withTurn { order.update { $0.append(index) } }
                })
            try await Self.waitUntil(turns, hasWaiting: index + 1)  // arrivals one after another
        }
        #expect(order.value.isEmpty, "nobody enters while the turn is held")
        turns.leave()
        for waiter in waiters { await waiter.value }
        #expect(order.value == Array(0..<8))
        #expect(!turns.isBusy)
    }

    @Test func onlyOneHoldsTheTurnAtATime() async {
        let turns = AsyncTurnstile()
        let inside = JobTestProbe((now: 0, most: 0, entries: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    await turns.withTurn {
                        inside.update {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                            $0.entries += 1
                        }
                        await Task.yield()
                        inside.update { $0.now -= 1 }
                    }
                }
            }
        }
        #expect(inside.value.most == 1)
        #expect(inside.value.entries == 32)
        #expect(!turns.isBusy)
    }

    @Test func aCancelledWaiterStillGetsItsTurnAndHandsItOn() async throws {
        let turns = AsyncTurnstile()
        let order = JobTestProbe<[String]>([])
        await turns.enter()
        let cancelled = Task {
            await turns.withTurn { order.update { $0.append(Task.isCancelled ? "cancelled" : "not cancelled") } }
        }
        try await Self.waitUntil(turns, hasWaiting: 1)
        let next = Task { await turns.withTurn { order.update { $0.append("next") } } }
        try await Self.waitUntil(turns, hasWaiting: 2)
        cancelled.cancel()
        #expect(order.value.isEmpty, "cancelling does not skip the queue")
        turns.leave()
        await cancelled.value
        await next.value
        #expect(order.value == ["cancelled", "next"])
        #expect(!turns.isBusy)
    }

    @Test func theTurnIsGivenBackWhenTheBodyThrows() async {
        struct Failure: Error {}
        let turns = AsyncTurnstile()
        await #expect(throws: Failure.self) {
            try await turns.withTurn { throw Failure() }
        }
        #expect(!turns.isBusy)
        let value = await turns.withTurn { 7 }
        #expect(value == 7)
    }

    /// Waits until `count` callers wait for the turn.
    private static func waitUntil(_ turns: AsyncTurnstile, hasWaiting count: Int) async throws {
        try await withJobTestDeadline("\(count) waiting") {
            while turns.waitingCount < count { try await Task.sleep(for: .milliseconds(1)) }
        }
    }
}
