import Foundation

/// The machine's cores, shared out among the in-process ONNX sessions that synthesise.
///
/// ONNX Runtime splits one inference over its session's intra-op threads, which scales
/// poorly on a small machine: on 2 cores one Piper session with two threads measured RTF
/// 0.063 against 0.085 with one, so two one-thread sessions running in parallel give about
/// 1.35× the audio per second of one two-thread session (docs/PERFORMANCE.md). So a chunk
/// gets a *wide* lease (every core, for a session with that many threads) only when it is
/// the only work there is — one request, one chunk — and a *narrow* one (one core, a
/// one-thread session) otherwise. Leases never add up to more threads than cores, so
/// sessions of different voices cannot oversubscribe the machine either. Waiters are served
/// in arrival order; a cancelled waiter leaves the line.
///
/// Once every lease is back and none is taken for `idleTrimDelay`, the C allocator is asked
/// to give its free memory back to the system (`malloc_trim`): ONNX Runtime's buffers come
/// from the heap (the arena is off, see native/onnxruntime-shim), which is kept while work
/// runs, so back-to-back requests reuse it without page faults, and returned when idle.
public actor InferenceThreads {
    /// The process-wide budget over this machine's cores (at most 4, as a voice's default threads).
    public static let shared = InferenceThreads(cores: PiperSynthesizer.defaultThreads)

    /// Threads in the budget.
    public nonisolated let cores: Int
    private var free: Int
    private nonisolated let requests = RequestCounter()
    private var waiters: [Waiter] = []
    private var usage = Usage()
    private var nextWaiter = 0
    private let idleTrimDelay: Duration
    /// Counts grants and idle moments, so a trim planned at one idle moment is skipped when
    /// a lease was taken since.
    private var idleMoment = 0
    private var trims = 0
    /// Above zero once `keepLoneRequestsWhole` was called: a lone request's sentences then all
    /// run on the one wide session (a command-line run: one request, one session in memory)
    /// instead of being spread over one-thread sessions (a server).
    private nonisolated let oneRequest = RequestCounter()

    private struct Waiter {
        let id: Int
        let threads: Int
        let continuation: CheckedContinuation<Int, Error>
    }

    /// What the budget has handed out so far.
    public struct Usage: Sendable, Equatable {
        /// Leases of every core (a lone one-chunk request).
        public var wide = 0
        /// Leases of one core.
        public var narrow = 0
        /// The most threads leased at one time.
        public var peakInUse = 0
    }

    /// A budget of `cores` threads; free memory is given back after `idleTrimDelay` idle.
    public init(cores: Int, idleTrimDelay: Duration = .seconds(2)) {
        self.cores = max(1, cores)
        free = self.cores
        self.idleTrimDelay = idleTrimDelay
    }

    /// Counts a request as running until `endRequest`; while more than one runs, every
    /// lease is narrow.
    public nonisolated func beginRequest() { requests.add(1) }

    /// Ends a request counted by `beginRequest`.
    public nonisolated func endRequest() { requests.add(-1) }

    /// Whether no request is running now.
    public nonisolated var isIdle: Bool { requests.value == 0 }

    /// Runs every chunk of a lone request on one session of every core, one chunk after the
    /// other, as piper does: for a process that serves one request and exits (`glmtts synth`),
    /// where loading more sessions costs more start time and memory than their parallelism
    /// gains (docs/PERFORMANCE.md). Concurrent requests still get one core each.
    public func keepLoneRequestsWhole() { oneRequest.add(1) }

    /// Whether `keepLoneRequestsWhole` was called: the process serves one request, so a voice
    /// loads its sessions while that request runs and need not copy its files for sessions
    /// that load later (`PiperModelSnapshot`).
    public nonisolated var servesOneRequest: Bool { oneRequest.value > 0 }

    /// Sets this process up to serve one request and exit (`glmtts synth`): the shared budget
    /// keeps lone requests whole, and sessions loaded from now on keep ONNX Runtime's arena,
    /// whose growth for good ends with the process and which peaks lower than the heap tuned
    /// for a long-running server (native/onnxruntime-shim). Call it before any voice loads.
    public static func prepareForOneRequest() async {
        await shared.keepLoneRequestsWhole()
        FreeMemory.keepRuntimeArenaForThisProcess()
    }

    /// Waits for threads for one chunk of a request with `chunkCount` chunks and returns how
    /// many it got: every core for a lone one-chunk request (or any lone request after
    /// `keepLoneRequestsWhole`), otherwise one. Throws `CancellationError` when the task is
    /// cancelled while it waits.
    public func acquire(chunkCount: Int) async throws -> Int {
        let wanted = requests.value <= 1 && (chunkCount == 1 || servesOneRequest) ? cores : 1
        if waiters.isEmpty && free >= wanted {
            grant(wanted)
            return wanted
        }
        let id = nextWaiter
        nextWaiter += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append(Waiter(id: id, threads: wanted, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.leave(id) }
        }
    }

    /// Gives back threads got from `acquire` and serves the waiters that now fit.
    public func release(_ threads: Int) {
        free = min(cores, free + threads)
        while let first = waiters.first, first.threads <= free {
            waiters.removeFirst()
            grant(first.threads)
            first.continuation.resume(returning: first.threads)
        }
        if free == cores && threads > 0 { planTrim() }
    }

    /// Times free memory was given back to the system (for tests).
    public func trimCount() -> Int { trims }

    /// Gives free memory back after `idleTrimDelay`, unless a lease is taken before.
    private func planTrim() {
        idleMoment += 1
        let moment = idleMoment
        let delay = idleTrimDelay
        Task {
            try? await Task.sleep(for: delay)
            await self.trim(ifStillIdleSince: moment)
        }
    }

    private func trim(ifStillIdleSince moment: Int) {
        guard moment == idleMoment, free == cores else { return }
        trims += 1
        // malloc_trim walks the heap: off the cooperative pool.
        DispatchQueue.global(qos: .utility).async { FreeMemory.giveBack() }
    }

    /// Threads not leased now (for tests and metrics).
    public func available() -> Int { free }

    /// Waits until every lease is back (native calls of cancelled requests finish their
    /// current chunk), at most `timeout`; true when they all came back. For shutdown: the
    /// process must not exit while ONNX Runtime is running.
    public func waitUntilReturned(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while free < cores {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Callers waiting for threads now.
    public func waiting() -> Int { waiters.count }

    /// Leases handed out so far, and the most threads in use at once.
    public func handedOut() -> Usage { usage }

    private func grant(_ threads: Int) {
        idleMoment += 1
        free -= threads
        if threads == cores && cores > 1 { usage.wide += 1 } else { usage.narrow += 1 }
        usage.peakInUse = max(usage.peakInUse, cores - free)
    }

    private func leave(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        release(0)
    }

    /// The running-request count, read and written from any thread.
    private final class RequestCounter: @unchecked Sendable {
        // @unchecked Sendable: `count` is guarded by `lock`.
        private let lock = NSLock()
        private var count = 0

        var value: Int { lock.withLock { count } }

        func add(_ delta: Int) { lock.withLock { count = max(0, count + delta) } }
    }
}
