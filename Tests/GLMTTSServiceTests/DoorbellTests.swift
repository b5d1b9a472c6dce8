import Foundation
import Testing

@testable import GLMTTSService

@Suite struct DoorbellTests {
    @Test func aRingBeforeTheWaitEndsItAtOnceAndRingsCountAsOne() async {
        let bell = Doorbell()
        await bell.ring()
        await bell.ring()
        #expect(await bell.wait(upTo: .seconds(600)))
        #expect(!(await bell.wait(upTo: .milliseconds(10))), "two rings while nobody waited are one")
    }

    @Test func aRingWakesTheWaiterAndWithoutOneTheTimeRunsOut() async throws {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(upTo: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(50))
        await bell.ring()
        #expect(await waiter.value)
        #expect(!(await bell.wait(upTo: .milliseconds(20))))
    }

    @Test func aCancelledWaitEndsWithoutARing() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(upTo: .seconds(600)) }
        waiter.cancel()
        #expect(!(await waiter.value))
        await bell.ring()  // kept for the next waiter
        #expect(await bell.wait(upTo: .seconds(600)))
    }
}
