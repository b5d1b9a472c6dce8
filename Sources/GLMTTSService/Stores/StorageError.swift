import Foundation
import GLMTTSEngine

/// A job's or voice's file (upload, result, clip) could not be written or read: the disk is
/// full, the data directory is read-only, or the object store cannot be reached. Retryable
/// once the operator has fixed the disk or the store.
public enum StorageError: GLMTTSError, Equatable {
    /// No space left (or the quota is spent) where `folder` is.
    case diskFull(folder: String)
    /// `folder` (or its file system) cannot be written.
    case readOnly(folder: String)
    /// Another input/output failure writing into `folder`.
    case failed(folder: String)
    /// The S3-compatible object store (`store` names its bucket) could not be used: `reason`
    /// says why (unreachable, refused, malformed answer; never a secret).
    case objectStoreUnavailable(store: String, reason: String)

    public var code: String {
        switch self {
        case .diskFull: return ProblemCode.storageDiskFull
        case .readOnly: return ProblemCode.storageReadOnly
        case .failed: return ProblemCode.storageFailed
        case .objectStoreUnavailable: return ProblemCode.storageUnavailable
        }
    }

    public var category: ErrorCategory { .unavailable }

    public var message: String {
        switch self {
        case let .diskFull(folder):
            return
                "The server's disk is full: a file could not be written in its '\(folder)' folder. Try again later; the operator must free space in the data directory."
        case let .readOnly(folder):
            return
                "The server's data directory cannot be written (its '\(folder)' folder is read-only). Try again later; the operator must make the data directory writable."
        case let .failed(folder):
            return
                "The server could not write a file in its '\(folder)' folder (an input/output error). Try again later; the operator should check the disk."
        case let .objectStoreUnavailable(store, reason):
            return
                "The server's file store (\(store)) cannot be used now: \(reason). Try again later; the operator should check the object store and the server's GLMTTS_BLOBS setting."
        }
    }

    /// `error` from the object store holding `bucket`.
    public static func objectStore(_ error: S3Error, bucket: String) -> StorageError {
        .objectStoreUnavailable(store: "S3 bucket '\(bucket)'", reason: error.description)
    }

    /// `error` from writing into `folder`, classified by its POSIX cause.
    public static func classify(_ error: any Error, folder: URL) -> StorageError {
        let name = folder.lastPathComponent
        let nsError = error as NSError
        var codes: [Int] = []
        if nsError.domain == NSPOSIXErrorDomain { codes.append(nsError.code) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            codes.append(underlying.code)
        }
        if codes.contains(where: { $0 == Int(ENOSPC) || $0 == Int(EDQUOT) }) || nsError.code == CocoaError.fileWriteOutOfSpace.rawValue {
            return .diskFull(folder: name)
        }
        if codes.contains(where: { $0 == Int(EROFS) || $0 == Int(EACCES) || $0 == Int(EPERM) })
            || nsError.code == CocoaError.fileWriteVolumeReadOnly.rawValue || nsError.code == CocoaError.fileWriteNoPermission.rawValue
        {
            return .readOnly(folder: name)
        }
        return .failed(folder: name)
    }
}
