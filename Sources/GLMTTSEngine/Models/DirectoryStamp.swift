import Foundation

/// What tells a changed directory from an unchanged one without listing it: its identity
/// (file number) and modification time, read through symbolic links.
///
/// A stamp is *settled* when the modification time was at least `settleSeconds` old when it
/// was read: only then can a later change not share its time (file systems record times in
/// coarse ticks), so an unsettled stamp is never trusted.
struct DirectoryStamp: Equatable {
    /// How old a modification time must be to be trusted.
    static let settleSeconds = 1.0

    var fileNumber: UInt64?
    var modified: Date?
    /// Whether the stamp can be trusted (see the type's documentation); not part of equality.
    var settled: Bool

    /// The stamp of `directory` now (nil fields when it does not exist).
    static func of(_ directory: URL, now: Date = Date()) -> DirectoryStamp {
        let path = directory.resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes?[.modificationDate] as? Date
        let number = (attributes?[.systemFileNumber] as? NSNumber)?.uint64Value
        let settled = modified.map { now.timeIntervalSince($0) >= settleSeconds } ?? true
        return DirectoryStamp(fileNumber: number, modified: modified, settled: settled)
    }

    static func == (lhs: DirectoryStamp, rhs: DirectoryStamp) -> Bool {
        lhs.fileNumber == rhs.fileNumber && lhs.modified == rhs.modified
    }
}
