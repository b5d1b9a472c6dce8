import Foundation
import Synchronization

/// Open streams per client (SSE progress, streamed speech). A stream holds its slot from
/// the request until its body ends — the client read it all, went away, or the server cut
/// it off — not only while the handler runs, so one client cannot pile up streams.
final class StreamSlots: Sendable {
    private let open = Mutex<[String: Int]>([:])

    /// A slot for `client` unless it already has `cap` streams open.
    func acquire(_ client: String, cap: Int) -> StreamSlot? {
        let granted = open.withLock { counts -> Bool in
            let current = counts[client, default: 0]
            guard current < cap else { return false }
            counts[client] = current + 1
            return true
        }
        return granted ? StreamSlot(client: client, owner: self) : nil
    }

    /// Streams open now, all clients together (for metrics and tests).
    var total: Int { open.withLock { $0.values.reduce(0, +) } }

    fileprivate func release(_ client: String) {
        open.withLock { counts in
            let current = counts[client, default: 0]
            if current <= 1 { counts[client] = nil } else { counts[client] = current - 1 }
        }
    }
}

/// One open stream's slot; released once, by `release()` or when the last reference goes.
final class StreamSlot: Sendable {
    private let client: String
    private let owner: StreamSlots
    private let released = Atomic<Bool>(false)

    fileprivate init(client: String, owner: StreamSlots) {
        self.client = client
        self.owner = owner
    }

    /// Gives the slot back (again: nothing happens).
    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { owner.release(client) }
    }

    deinit { release() }
}
