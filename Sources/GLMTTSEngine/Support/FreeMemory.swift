import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The C allocator's free memory, given back to the system, and its setting while models load.
enum FreeMemory {
    #if canImport(Glibc)
        private typealias MallocTrim = @convention(c) (Int) -> Int32
        private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        private typealias KeepArena = @convention(c) () -> Int32
        /// glibc's `malloc_trim` and `mallopt` (malloc.h is not part of Swift's Glibc module, so they are looked up).
        nonisolated(unsafe) private static let mallocTrim: MallocTrim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
            .map { unsafeBitCast($0, to: MallocTrim.self) }
        nonisolated(unsafe) private static let mallopt: Mallopt? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
            .map { unsafeBitCast($0, to: Mallopt.self) }
        /// glibc's `M_MMAP_THRESHOLD`.
        private static let mmapThresholdOption: Int32 = -3
    #endif

    /// The mmap threshold native/onnxruntime-shim sets for inference (32 MiB: buffers come from
    /// the heap and are reused run after run without page faults).
    static let inferenceMmapThreshold: Int32 = 32 << 20
    /// The threshold while a model loads (glibc's default, 128 KiB): the parse buffers and
    /// copies of a model's weights that a load frees again are mappings, returned when freed,
    /// instead of holes in the heap. Measured on the default voice: `glmtts synth` of one
    /// sentence peaked at 320 MiB with the inference threshold throughout (docs/PERFORMANCE.md).
    static let loadMmapThreshold: Int32 = 128 << 10

    private static let loads = LoadCounter()

    /// Returns the free pages of every malloc arena to the system (glibc's `malloc_trim`);
    /// does nothing where there is no such call.
    static func giveBack() {
        #if canImport(Glibc)
            _ = mallocTrim?(0)
        #endif
    }

    /// Whether the shim tuned the allocator for inference, so loads may switch its threshold:
    /// ONNX Runtime's arena is off and the user set no threshold of their own.
    static var tunesLoads: Bool { tunedForInference && !loads.arenaKept }

    private static let tunedForInference: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["GLMTTS_ONNXRUNTIME_ARENA"] != "on" && environment["MALLOC_MMAP_THRESHOLD_"] == nil
    }()

    /// For a process that serves one request and exits (`glmtts synth`): the sessions it loads
    /// from now on keep ONNX Runtime's arena and the allocator keeps glibc's thrifty thresholds
    /// (native/onnxruntime-shim, `glmtts_onnxruntime_keep_arena`); loads then leave the
    /// allocator's threshold alone. Nothing changes without the shim, or when
    /// `GLMTTS_ONNXRUNTIME_ARENA=on` keeps the arena already.
    static func keepRuntimeArenaForThisProcess() {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "glmtts_onnxruntime_keep_arena"),
                unsafeBitCast(symbol, to: KeepArena.self)() == 1
            else { return }
            loads.keepArena()
        #endif
    }

    /// Runs `load` (a model load: blocking) with large allocations served by their own
    /// mappings; once the last of overlapping loads ends, the inference threshold is back and
    /// the heap's free top is given back. Inference running meanwhile only pays page faults.
    static func whileLoading<T>(_ load: () throws -> T) rethrows -> T {
        guard tunesLoads else { return try load() }
        loads.begin { setMmapThreshold(loadMmapThreshold) }
        defer {
            loads.end {
                setMmapThreshold(inferenceMmapThreshold)
                giveBack()
            }
        }
        return try load()
    }

    private static func setMmapThreshold(_ bytes: Int32) {
        #if canImport(Glibc)
            _ = mallopt?(mmapThresholdOption, bytes)
        #endif
    }

    /// Loads in progress (the first to begin and the last to end run their action under the
    /// lock), and whether the process keeps the runtime's arena.
    private final class LoadCounter: @unchecked Sendable {
        // @unchecked Sendable: `count` is guarded by `lock`.
        private let lock = NSLock()
        private var count = 0
        private var kept = false

        var arenaKept: Bool { lock.withLock { kept } }

        func keepArena() { lock.withLock { kept = true } }

        func begin(first: () -> Void) {
            lock.withLock {
                count += 1
                if count == 1 { first() }
            }
        }

        func end(last: () -> Void) {
            lock.withLock {
                count -= 1
                if count == 0 { last() }
            }
        }
    }
}
