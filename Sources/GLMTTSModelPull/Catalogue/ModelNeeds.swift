/// What a published model needs to run: the device, memory while loaded, and disk once
/// installed (rough figures from the publisher's files, for choosing before pulling).
public struct ModelNeeds: Sendable, Codable, Equatable {
    /// `cpu`, or `gpu` (an NVIDIA GPU with CUDA).
    public var device: String
    /// Memory while loaded, in MiB (RAM for CPU models, GPU memory for GPU ones).
    public var memoryMiB: Int
    /// Disk once installed, in MiB.
    public var diskMiB: Int

    public init(device: String, memoryMiB: Int, diskMiB: Int) {
        self.device = device
        self.memoryMiB = memoryMiB
        self.diskMiB = diskMiB
    }
}
