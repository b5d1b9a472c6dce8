import Foundation
package import GLMTTSEngine
import Prometheus

/// The server's Prometheus metrics (swift-prometheus registry), served at `/metrics`.
///
/// Counters and histograms are updated where things happen (requests, jobs, engine
/// events); gauges that describe state (queue depth, memory, loaded models) are read when
/// the metrics are scraped.
package final class ServiceMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// Seconds buckets for request and job durations.
    private static let secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
    /// Buckets for real-time factors (synthesis seconds per audio second).
    private static let rtfBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]

    package init() {}

    private func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "glmtts", metricName: metric, unitName: unit, helpText: help)
    }

    /// One HTTP request answered: `operation` is the OpenAPI operation id (or `static`,
    /// `not_found`), `status` the HTTP status.
    package func request(operation: String, method: String, status: Int, seconds: Double) {
        registry.makeCounter(
            descriptor: name("http_requests", "total", "HTTP requests by operation, method and status."),
            labels: [("operation", operation), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeValueHistogram(
            descriptor: name("http_request_duration", "seconds", "Time to the response head, by operation."),
            labels: [("operation", operation)], buckets: Self.secondsBuckets
        ).record(seconds)
    }

    /// A problem answered, by its stable code (`rate.limited`, `auth.invalid`, …).
    package func problem(code: String, status: Int) {
        registry.makeCounter(
            descriptor: name("http_problems", "total", "Error responses by problem type."),
            labels: [("type", code), ("status", String(status))]
        ).increment()
    }

    /// A job ended: its duration in the queue and running, and (synthesis) real-time factor.
    package func job(kind: String, engine: String, status: String, waitSeconds: Double, runSeconds: Double, realTimeFactor: Double?) {
        registry.makeCounter(
            descriptor: name("jobs", "total", "Jobs ended, by kind, engine and final status."),
            labels: [("kind", kind), ("engine", engine), ("status", status)]
        ).increment()
        registry.makeValueHistogram(
            descriptor: name("job_queue_wait", "seconds", "Time jobs waited in the queue."),
            labels: [("kind", kind)], buckets: Self.secondsBuckets
        ).record(max(0, waitSeconds))
        registry.makeValueHistogram(
            descriptor: name("job_duration", "seconds", "Time jobs ran, by kind and engine."),
            labels: [("kind", kind), ("engine", engine)], buckets: Self.secondsBuckets
        ).record(max(0, runSeconds))
        if let realTimeFactor {
            registry.makeValueHistogram(
                descriptor: name("synthesis_real_time_factor", "ratio", "Synthesis seconds per second of audio, by engine."),
                labels: [("engine", engine)], buckets: Self.rtfBuckets
            ).record(realTimeFactor)
        }
    }

    /// A job's captions were made: by `captions.recognizer` (`none`: estimated), how long
    /// the transcription and alignment took, and that per second of audio.
    package func captions(_ captions: Captions) {
        registry.makeCounter(
            descriptor: name("captions", "total", "Captions made, by the recognizer that timed the words (none: estimated)."),
            labels: [("recognizer", captions.recognizer ?? "none")]
        ).increment()
        registry.makeValueHistogram(
            descriptor: name("caption_alignment", "seconds", "Time spent transcribing and aligning a job's words."),
            labels: [], buckets: Self.secondsBuckets
        ).record(captions.alignmentSeconds)
        if captions.duration > 0 {
            registry.makeValueHistogram(
                descriptor: name("caption_alignment_real_time_factor", "ratio", "Alignment seconds per second of audio."),
                labels: [], buckets: Self.rtfBuckets
            ).record(captions.alignmentSeconds / captions.duration)
        }
    }

    /// A verified job's sentences: how each ended (`passed`, `retaken`: passed after more
    /// than one take, `failed`: every take failed), and the cost of checking and retaking per
    /// second of audio.
    package func verification(_ sentences: [SentenceVerification], audioSeconds: Double) {
        for sentence in sentences {
            let outcome = !sentence.passed ? "failed" : sentence.attempts > 1 ? "retaken" : "passed"
            registry.makeCounter(
                descriptor: name("verified_sentences", "total", "Verified sentences by outcome (passed, retaken, failed)."),
                labels: [("outcome", outcome)]
            ).increment()
        }
        let check = sentences.reduce(0) { $0 + $1.checkSeconds }
        let retake = sentences.reduce(0) { $0 + $1.retakeSeconds }
        registry.makeValueHistogram(
            descriptor: name(
                "verification", "seconds", "Time a verified job spent checking (transcription, similarity) and retaking sentences."),
            labels: [], buckets: Self.secondsBuckets
        ).record(check + retake)
        if audioSeconds > 0 {
            registry.makeValueHistogram(
                descriptor: name(
                    "verification_real_time_factor", "ratio", "Verification seconds (checks and retakes) per second of audio."),
                labels: [], buckets: Self.rtfBuckets
            ).record((check + retake) / audioSeconds)
        }
    }

    /// An engine event (model loads and unloads, worker starts and losses).
    package func engine(_ event: EngineEvent) {
        switch event {
        case let .modelLoaded(id, seconds, reload):
            registry.makeCounter(
                descriptor: name("model_loads", "total", "Model loads (reload: swapped in over a running instance)."),
                labels: [("model", id), ("reload", String(reload))]
            ).increment()
            registry.makeValueHistogram(
                descriptor: name("model_load_duration", "seconds", "Time to load a model."),
                labels: [("model", id)], buckets: Self.secondsBuckets
            ).record(seconds)
        case let .modelLoadFailed(id):
            registry.makeCounter(
                descriptor: name("model_load_failures", "total", "Model loads that failed."),
                labels: [("model", id)]
            ).increment()
        case let .modelUnloaded(id, reason):
            registry.makeCounter(
                descriptor: name("model_unloads", "total", "Models unloaded, by reason."),
                labels: [("model", id), ("reason", reason)]
            ).increment()
        case let .workerStarted(worker, restart):
            if restart {
                registry.makeCounter(
                    descriptor: name("worker_restarts", "total", "Worker processes started again after a loss."),
                    labels: [("worker", worker)]
                ).increment()
            }
        case let .workerLost(worker):
            registry.makeCounter(
                descriptor: name("worker_losses", "total", "Worker processes that exited or were killed while wanted."),
                labels: [("worker", worker)]
            ).increment()
        }
    }

    /// A request refused by a rate limit, quota or concurrency cap.
    package func limited(reason: String) {
        registry.makeCounter(
            descriptor: name("rate_limited", "total", "Requests refused by rate limits, quotas and concurrency caps."),
            labels: [("reason", reason)]
        ).increment()
    }

    /// The text exposition, after setting the state gauges from `state`.
    package func exposition(state: State) -> String {
        registry.makeGauge(descriptor: name("queue_depth", "jobs", "Jobs waiting in the queue.")).set(Double(state.queued))
        registry.makeGauge(descriptor: name("jobs_running", "jobs", "Jobs running now.")).set(Double(state.running))
        registry.makeGauge(descriptor: name("models_loaded", "models", "Models in memory.")).set(Double(state.modelsLoaded))
        registry.makeGauge(descriptor: name("process_resident_memory", "bytes", "Resident memory of the server process.")).set(
            Double(state.residentBytes))
        registry.makeGauge(descriptor: name("uptime", "seconds", "Seconds since the server started.")).set(state.uptimeSeconds)
        registry.makeGauge(
            descriptor: name("progress_subscribers", "", "Open subscriptions to job progress (SSE streams, waiting requests).")
        ).set(Double(state.progressSubscribers))
        registry.makeGauge(descriptor: name("audio_listeners", "", "Open listeners for streamed audio.")).set(Double(state.audioListeners))
        registry.makeGauge(descriptor: name("open_streams", "", "Streamed responses open now (SSE progress, streamed speech).")).set(
            Double(state.openStreams))
        registry.makeGauge(
            descriptor: name(
                "stream_readers_cut_off", "", "Progress subscribers and audio listeners cut off for falling behind, since start.")
        ).set(Double(state.readersCutOff))
        registry.makeGauge(
            descriptor: name("rescued_runs", "", "Runs whose leases expired that this node put back in the queue or ended, since start.")
        ).set(Double(state.rescuedRuns))
        if let listening = state.storeListening {
            registry.makeGauge(
                descriptor: name("store_listening", "", "1 while the shared store's notifications reach this node, 0 while it only polls.")
            ).set(listening ? 1.0 : 0.0)
        }
        if let usage = state.notificationQueueUsage {
            registry.makeGauge(
                descriptor: name(
                    "store_notification_queue_usage", "ratio",
                    "Fraction of PostgreSQL's notification queue in use (pg_notification_queue_usage); near 1, notifying statements fail.")
            ).set(usage)
        }
        return registry.emitToString()
    }

    /// State read at scrape time.
    package struct State: Sendable {
        package var queued: Int
        package var running: Int
        package var modelsLoaded: Int
        package var residentBytes: Int
        package var uptimeSeconds: Double
        package var progressSubscribers: Int
        package var audioListeners: Int
        package var openStreams: Int
        package var readersCutOff: Int
        package var rescuedRuns: Int
        /// Whether a shared store's notifications reach this node (nil: a store of one node).
        package var storeListening: Bool?
        /// PostgreSQL's `pg_notification_queue_usage()` (nil: not PostgreSQL, or unreadable).
        package var notificationQueueUsage: Double?

        package init(
            queued: Int, running: Int, modelsLoaded: Int, residentBytes: Int, uptimeSeconds: Double,
            progressSubscribers: Int = 0, audioListeners: Int = 0, openStreams: Int = 0, readersCutOff: Int = 0,
            rescuedRuns: Int = 0, storeListening: Bool? = nil, notificationQueueUsage: Double? = nil
        ) {
            self.queued = queued
            self.running = running
            self.modelsLoaded = modelsLoaded
            self.residentBytes = residentBytes
            self.uptimeSeconds = uptimeSeconds
            self.progressSubscribers = progressSubscribers
            self.audioListeners = audioListeners
            self.openStreams = openStreams
            self.readersCutOff = readersCutOff
            self.rescuedRuns = rescuedRuns
            self.storeListening = storeListening
            self.notificationQueueUsage = notificationQueueUsage
        }
    }
}
