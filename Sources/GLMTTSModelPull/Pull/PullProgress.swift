/// A snapshot of a running pull, for progress bars and server-sent events.
public struct PullProgress: Sendable, Codable, Equatable {
    /// The model being pulled.
    public var model: String
    /// Its place in the pull (1-based) and the number of models pulled.
    public var index: Int
    /// How many models this pull installs.
    public var count: Int
    /// What is happening.
    public var phase: PullPhase
    /// The file being downloaded, if any.
    public var file: String?
    /// Bytes of this model's downloads done (resumed bytes included).
    public var bytesDone: Int64
    /// Bytes of this model's downloads in all.
    public var bytesTotal: Int64
    /// Current speed, when known.
    public var bytesPerSecond: Double?
    /// Seconds left at that speed, when known.
    public var etaSeconds: Double?

    public init(
        model: String, index: Int, count: Int, phase: PullPhase, file: String? = nil, bytesDone: Int64 = 0,
        bytesTotal: Int64 = 0, bytesPerSecond: Double? = nil, etaSeconds: Double? = nil
    ) {
        self.model = model
        self.index = index
        self.count = count
        self.phase = phase
        self.file = file
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.bytesPerSecond = bytesPerSecond
        self.etaSeconds = etaSeconds
    }
}
