import Foundation

/// How to run one worker process.
public struct WorkerConfiguration: Sendable {
    /// Name used in logs and errors (`whisper`, `glmtts`).
    public var name: String
    /// The program (usually the venv's python).
    public var executable: URL
    /// Its arguments (usually the worker script and options).
    public var arguments: [String]
    /// Extra environment variables.
    public var environment: [String: String]
    /// How long to wait for the `ready` line.
    public var startTimeout: Duration
    /// Default deadline of a request.
    public var requestTimeout: Duration
    /// First restart delay after a crash; doubles per consecutive crash up to `maxRestartDelay`.
    public var restartDelay: Duration
    /// Longest restart delay.
    public var maxRestartDelay: Duration
    /// How long a cancelled request may take to acknowledge before the worker is killed.
    public var cancelGrace: Duration
    /// A request sent after every start, before any other (e.g. `load` the model), so a
    /// restarted worker is back in the same state. Its failure is a start failure.
    public var startupRequest: (op: String, fields: [String: JSONValue])?

    public init(
        name: String, executable: URL, arguments: [String], environment: [String: String] = [:],
        startTimeout: Duration = .seconds(30), requestTimeout: Duration = .seconds(300),
        restartDelay: Duration = .milliseconds(500), maxRestartDelay: Duration = .seconds(30),
        cancelGrace: Duration = .seconds(5), startupRequest: (op: String, fields: [String: JSONValue])? = nil
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.startTimeout = startTimeout
        self.requestTimeout = requestTimeout
        self.restartDelay = restartDelay
        self.maxRestartDelay = maxRestartDelay
        self.cancelGrace = cancelGrace
        self.startupRequest = startupRequest
    }

    /// A worker script from `workers/` run by the project venv's python under `root`.
    public static func pythonWorker(name: String, script: String, arguments: [String] = [], root: URL) -> WorkerConfiguration {
        WorkerConfiguration(
            name: name, executable: root.appendingPathComponent(".venv/bin/python"),
            arguments: ["-u", root.appendingPathComponent("workers/\(script)").path] + arguments,
            environment: [
                "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
                // onnxruntime 1.32's Python package writes a device id and usage database under ~/.cache
                // and holds an upload address unless this is set (found by the Kokoro worker's tests).
                "ORT_DISABLE_TELEMETRY": "1",
            ])
    }
}
