import CSndFile
import Foundation

/// In-memory file for libsndfile's virtual I/O: reads from and writes into a byte array,
/// so decoding and encoding never touch the disk (and no path is built from user input).
final class SndFileMemory {
    var bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// The callback table libsndfile calls; `user_data` is an unretained `SndFileMemory`.
    static var callbacks: SF_VIRTUAL_IO {
        SF_VIRTUAL_IO(
            get_filelen: { user in sf_count_t(memory(user).bytes.count) },
            seek: { offset, whence, user in
                let file = memory(user)
                let base: Int
                switch whence {
                case SEEK_CUR: base = file.position
                case SEEK_END: base = file.bytes.count
                default: base = 0
                }
                // A hostile header can ask for any offset (an RF64 size of 2^63 − 1): refuse
                // what overflows instead of trapping.
                let (target, overflow) = base.addingReportingOverflow(Int(offset))
                guard !overflow, target >= 0 else { return -1 }
                file.position = target
                return sf_count_t(target)
            },
            read: { pointer, count, user in
                let file = memory(user)
                guard let pointer, count > 0, file.position < file.bytes.count else { return 0 }
                let n = min(Int(count), file.bytes.count - file.position)
                file.bytes.withUnsafeBytes { source in
                    pointer.copyMemory(from: source.baseAddress!.advanced(by: file.position), byteCount: n)
                }
                file.position += n
                return sf_count_t(n)
            },
            write: { pointer, count, user in
                let file = memory(user)
                guard let pointer, count > 0 else { return 0 }
                let n = Int(count)
                let end = file.position + n
                if end > file.bytes.count { file.bytes.append(contentsOf: repeatElement(0, count: end - file.bytes.count)) }
                file.bytes.withUnsafeMutableBytes { target in
                    target.baseAddress!.advanced(by: file.position).copyMemory(from: pointer, byteCount: n)
                }
                file.position = end
                return sf_count_t(n)
            },
            tell: { user in sf_count_t(memory(user).position) }
        )
    }

}

/// The `SndFileMemory` behind libsndfile's `user_data` pointer.
private func memory(_ user: UnsafeMutableRawPointer?) -> SndFileMemory {
    Unmanaged<SndFileMemory>.fromOpaque(user!).takeUnretainedValue()
}
