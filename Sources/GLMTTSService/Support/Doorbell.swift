/// A wake-up for one waiting loop: `ring()` ends the current `wait(upTo:)`, or the next one
/// at once when nobody waits; rings while nobody waits count as one.
actor Doorbell {
    private var rung = false
    private var waiter: (number: UInt64, continuation: CheckedContinuation<Bool, Never>)?
    private var waits: UInt64 = 0

    /// A bell that has not rung.
    init() {}

    /// Wakes the waiter (or the next one).
    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: true)
        } else {
            rung = true
        }
    }

    /// Waits for a ring, at most `timeout`; true when it rang, false when the time ran out or
    /// the task was cancelled. One waiter at a time.
    func wait(upTo timeout: Duration) async -> Bool {
        if rung {
            rung = false
            return true
        }
        waits += 1
        let number = waits
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(number)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { waiter = (number, $0) }
        } onCancel: {
            Task { await self.expire(number) }
        }
    }

    /// Ends wait `number` without a ring, if it is still the one waiting.
    private func expire(_ number: UInt64) {
        guard let waiter, waiter.number == number else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: false)
    }
}
