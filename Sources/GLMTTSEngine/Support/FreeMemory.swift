#if canImport(Glibc)
    import Glibc
#endif

/// The C allocator's free memory, given back to the system.
enum FreeMemory {
    #if canImport(Glibc)
        private typealias MallocTrim = @convention(c) (Int) -> Int32
        /// glibc's `malloc_trim` (malloc.h is not part of Swift's Glibc module, so it is looked up).
        nonisolated(unsafe) private static let mallocTrim: MallocTrim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
            .map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif

    /// Returns the free pages of every malloc arena to the system (glibc's `malloc_trim`);
    /// does nothing where there is no such call.
    static func giveBack() {
        #if canImport(Glibc)
            _ = mallocTrim?(0)
        #endif
    }
}
