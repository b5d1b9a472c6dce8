import Foundation
import GLMTTSEngine

/// Reads the machine's figures for `/api/system` and `/metrics`: process and system memory
/// (Linux `/proc`), load average, CPU cores, and NVIDIA GPUs through `nvidia-smi` when it is
/// installed (no GPU, no figures: never zeros).
enum SystemProbe {
    /// The service's version.
    static let version = "0.7.0"

    /// Resident memory of this process, bytes (0 where `/proc` is missing).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// `MemTotal` and `MemAvailable` of `/proc/meminfo`, bytes.
    static func systemMemory() -> (total: Int64?, available: Int64?) {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return (nil, nil) }
        func value(_ key: String) -> Int64? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Int64($0) }.map { $0 * 1024 }
        }
        return (value("MemTotal"), value("MemAvailable"))
    }

    /// The 1, 5 and 15 minute load averages.
    static func loadAverage() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }

    /// A GPU as `nvidia-smi` reports it.
    struct GPU: Sendable {
        var index: Int
        var name: String
        var memoryTotalBytes: Int64?
        var memoryUsedBytes: Int64?
        var utilizationPercent: Double?
    }

    /// The GPUs, or why there are none.
    static func gpus() -> (gpus: [GPU], note: String?) {
        guard let smi = ProcessEnvironment.executable(named: "nvidia-smi")?.path else {
            return ([], "nvidia-smi is not installed: no NVIDIA GPU is visible to this server.")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: smi)
        process.arguments = ["--query-gpu=index,name,memory.total,memory.used,utilization.gpu", "--format=csv,noheader,nounits"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return ([], "nvidia-smi could not be run.") }
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        guard process.terminationStatus == 0 else { return ([], "nvidia-smi failed (status \(process.terminationStatus)): no usable GPU.") }
        let gpus = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line -> GPU? in
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, let index = Int(cells[0]) else { return nil }
            return GPU(
                index: index, name: cells[1], memoryTotalBytes: Int64(cells[2]).map { $0 << 20 },
                memoryUsedBytes: Int64(cells[3]).map { $0 << 20 }, utilizationPercent: Double(cells[4]))
        }
        return (gpus, gpus.isEmpty ? "nvidia-smi lists no GPU." : nil)
    }
}
