import Foundation
import GLMTTSEngine

/// How a scheduler keeps up with the other nodes of a shared store (`JobStore.isShared`):
/// the maintenance loop (notifications, polling, heartbeats, rescues), the notifications
/// themselves, lease renewal, this node's reports, and the rescue of expired runs.
extension JobScheduler {
    /// Until cancelled: looks for work and for other nodes' events of the jobs followed here
    /// when a notification asks for it, and at every poll (`listeningPollInterval` while
    /// notifications arrive, else `pollInterval`); renews leases and rescues expired runs
    /// every `heartbeatInterval`. Runs beside the jobs (whose engines work off the
    /// cooperative pool), so a long inference never holds a heartbeat back.
    func keepUpWithOtherNodes() async {
        var lastHeartbeat = ContinuousClock.now - configuration.heartbeatInterval
        var lastPoll = ContinuousClock.now - configuration.listeningPollInterval
        var retrySoon = false
        while !Task.isCancelled {
            if ContinuousClock.now - lastHeartbeat >= configuration.heartbeatInterval {
                lastHeartbeat = ContinuousClock.now
                await heartbeat()
                if state.isAccepting { await rescueExpiredRuns() }
                await announce()
            }
            // A look that failed (the store did not answer) is tried again at the short poll:
            // the notification that asked for it will not come again.
            let poll = isListening && !retrySoon ? configuration.listeningPollInterval : configuration.pollInterval
            let pollIsDue = ContinuousClock.now - lastPoll >= poll
            if pollIsDue { lastPoll = ContinuousClock.now }
            if let due = nextDelayedRun, due <= ContinuousClock.now {
                nextDelayedRun = nil
                pumpWanted = true
            }
            var failed = false
            if pollIsDue || pumpWanted {
                pumpWanted = false
                failed = !(await pump()) || failed
            }
            if pollIsDue || catchUpWanted {
                catchUpWanted = false
                failed = !(await hub.catchUp()) || failed
            }
            if pollIsDue || failed { retrySoon = failed }
            let next = isListening && !retrySoon ? configuration.listeningPollInterval : configuration.pollInterval
            let untilPoll = next - (ContinuousClock.now - lastPoll)
            let untilHeartbeat = configuration.heartbeatInterval - (ContinuousClock.now - lastHeartbeat)
            let untilDelayedRun = nextDelayedRun.map { $0 - ContinuousClock.now } ?? untilPoll
            _ = await doorbell.wait(upTo: max(.zero, min(untilPoll, untilHeartbeat, untilDelayedRun)))
        }
    }

    /// Acts on the store's notifications until they end (at shutdown).
    func follow(_ wakeUps: AsyncStream<StoreWakeUp>) async {
        for await wakeUp in wakeUps {
            switch wakeUp {
            case .listening:
                isListening = true  // what happened before is read once now
                pumpWanted = true
                catchUpWanted = true
            case .notListening:
                isListening = false  // the loop's next wait is a short poll
            case .queued:
                guard configuration.runsJobs else { continue }
                pumpWanted = true
            case let .event(id):
                guard await hub.follows(id) else { continue }
                catchUpWanted = true
            case let .cancelRequested(id):
                if leases[id] != nil { _ = try? await cancel(id) }
                continue
            }
            await doorbell.ring()
        }
    }

    /// Renews this node's leases; stops the runs a client cancelled elsewhere and those whose
    /// lease is lost (their further writes are refused by the store anyway).
    func heartbeat() async {
        guard !leases.isEmpty else { return }
        let renewal: LeaseRenewal
        do {
            renewal = try await store.renewLeases(leases, now: Date())
        } catch {
            log("could not renew the leases of \(leases.count) running jobs: \(error)")
            return
        }
        for id in renewal.cancelRequested { _ = try? await cancel(id) }
        for id in renewal.lost {
            log("job \(id) lost its lease (another node rescued it, or it ended elsewhere): stopping its run here")
            leases[id] = nil
            state.handle(of: id)?.cancel()
        }
    }

    /// Reports this node to the shared store (its role, slots and running jobs).
    func announce() async {
        var slots: [String: Int] = [:]
        if configuration.runsJobs {
            slots["default"] = configuration.defaultSlots
            for (lane, count) in configuration.slots { slots[lane.rawValue] = count }
        }
        let status = NodeStatus(
            name: "", role: configuration.role, slots: slots, running: state.runningCount, startedAt: startedAt, seenAt: Date())
        do { try await store.announce(status) } catch { log("could not report this node to the store: \(error)") }
    }

    /// Rescues runs of other nodes whose leases expired and announces what became of them.
    func rescueExpiredRuns() async {
        let requeued: [JobRecord]
        let ended: [JobRecord]
        do {
            (requeued, ended) = try await store.rescueExpiredLeases(problem: Self.leaseExpired, now: Date())
        } catch {
            log("could not look for expired leases: \(error)")
            return
        }
        guard !requeued.isEmpty || !ended.isEmpty else { return }
        rescuedRuns += requeued.count + ended.count
        log("rescued runs whose leases expired: \(requeued.count) requeued, \(ended.count) ended")
        for job in requeued {
            await hub.publish(
                JobEvent(
                    jobID: job.id, kind: .retrying, elapsedSeconds: elapsed(job), stage: .queued,
                    detail: "its node stopped answering; queued again", problem: Self.leaseExpired))
        }
        // This node hears no notification of its own requeues: it looks when their back-off ends.
        if !requeued.isEmpty && configuration.runsJobs { await noteNextDelayedRun() }
        for job in ended {
            if job.status == .cancelled {
                await hub.publish(JobEvent(jobID: job.id, kind: .cancelled, elapsedSeconds: elapsed(job), problem: .cancelled))
            } else {
                var problem = Self.leaseExpired
                problem.detail += " It was tried \(job.attempts) times and is not tried again."
                problem.retryable = false
                await hub.publish(JobEvent(jobID: job.id, kind: .failed, elapsedSeconds: elapsed(job), problem: problem))
            }
        }
    }
}
