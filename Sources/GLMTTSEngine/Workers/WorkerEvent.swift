/// One thing a worker said about a request (see docs/WORKERS.md).
public enum WorkerEvent: Sendable, Equatable {
    /// Progress: fraction 0…1, a stage name and optional detail.
    case progress(fraction: Double, stage: String, detail: String?)
    /// A piece of synthesised audio, in order, with the text it says when the worker sent it.
    case chunk(index: Int, audio: AudioBuffer, text: String?)
    /// Success: the reply's fields (without `id` and `event`).
    case result([String: JSONValue])
}
