import Foundation
import GLMTTSEngine
import Testing

@testable import GLMTTSModelPull

/// `ArchiveUnpacker` on archives made by real tools: well-formed packs in every compression
/// come out byte for byte; every hostile entry kind is refused with nothing left behind and
/// nothing written outside the destination.
@Suite struct ArchiveUnpackerTests {
    /// A pack as sherpa-onnx publishes them: one top folder, a nested folder, a long name.
    static func pack(in folder: URL) throws -> URL {
        let top = folder.appendingPathComponent("src/sherpa-onnx-pack", isDirectory: true)
        let long = String(repeating: "long-name-", count: 12) + "model.onnx"
        try FileManager.default.createDirectory(at: top.appendingPathComponent("test_wavs"), withIntermediateDirectories: true)
        try Data("a\t1\nb\t2\n".utf8).write(to: top.appendingPathComponent("tokens.txt"))
        try Data((0..<300_000).map { UInt8($0 % 251) }).write(to: top.appendingPathComponent(long))
        try Data("hello".utf8).write(to: top.appendingPathComponent("test_wavs/prompt.txt"))
        return top
    }

    static func outcome(of archive: URL, limits: ArchiveLimits = .init()) throws -> (any Error)? {
        let destination = archive.deletingLastPathComponent().appendingPathComponent("out", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: destination) }
        do {
            try ArchiveUnpacker().unpack(archive, into: destination, limits: limits)
            return nil
        } catch {
            #expect(!FileManager.default.fileExists(atPath: destination.path), "a refused archive leaves nothing")
            return error
        }
    }

    @Test(arguments: ["tar", "tar.gz", "tar.bz2", "tar.xz"])
    func wellFormedPacksUnpackByteForByte(suffix: String) throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let top = try Self.pack(in: folder)
        let flag = ["tar": "-cf", "tar.gz": "-czf", "tar.bz2": "-cjf", "tar.xz": "-cJf"][suffix]!
        let archive = folder.appendingPathComponent("pack.\(suffix)")
        try TestArchive.run("/bin/tar", [flag, archive.path, "-C", top.deletingLastPathComponent().path, top.lastPathComponent], in: folder)
        let out = folder.appendingPathComponent("out")
        var reported: Int64 = 0
        let summary = try ArchiveUnpacker().unpack(archive, into: out, stripComponents: 1, progress: { reported = $0 })
        #expect(Set(summary.files) == Set(try FileManager.default.subpathsOfDirectory(atPath: top.path).filter { !$0.hasSuffix("test_wavs") }))
        for file in summary.files {
            #expect(try Data(contentsOf: out.appendingPathComponent(file)) == Data(contentsOf: top.appendingPathComponent(file)), "\(file)")
        }
        #expect(reported == summary.bytesWritten && summary.bytesWritten > 300_000)
    }

    @Test func paxArchivesWithNonASCIINamesUnpack() throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try TestArchive.python(#"[("声音/说明.txt", "0", "你好".encode(), "")]"#, named: "pax.tar.gz", in: folder)
        let out = folder.appendingPathComponent("out")
        let summary = try ArchiveUnpacker().unpack(archive, into: out)
        #expect(summary.files == ["声音/说明.txt"])
        #expect(try String(contentsOf: out.appendingPathComponent("声音/说明.txt"), encoding: .utf8) == "你好")
    }

    @Test(arguments: [
        (#"[("../evil", "0", b"x", "")]"#, "'..'"),
        (#"[("a/../../evil", "0", b"x", "")]"#, "'..'"),
        (#"[("/tmp/glmtts-evil", "0", b"x", "")]"#, "absolute"),
        (#"[("link", "2", b"", "/etc/passwd")]"#, "symbolic link"),
        (#"[("hard", "1", b"", "/etc/passwd")]"#, "hard link"),
        (#"[("null", "3", b"", "")]"#, "device"),
        (#"[("pipe", "6", b"", "")]"#, "FIFO"),
        (#"[("a.txt", "0", b"x", ""), ("a.txt", "0", b"y", "")]"#, "twice"),
        (#"[("f", "0", b"x", ""), ("f/inside", "0", b"y", "")]"#, "not a folder"),
    ])
    func hostileEntriesAreRefused(members: String, reason: String) throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try TestArchive.python(members, named: "hostile.tar.bz2", in: folder)
        let error = try #require(try Self.outcome(of: archive))
        guard case let .archiveRefused(_, _, said)? = error as? ModelPullError else {
            Issue.record("expected archiveRefused, got \(error)")
            return
        }
        #expect(said.contains(reason), "\(said)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["hostile.tar.bz2"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/glmtts-evil"))
    }

    @Test func archivesBeyondTheLimitsAreRefusedBeforeTheyAreWritten() throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let big = try TestArchive.python(#"[("big.bin", "0", b"x", "")]"#, named: "big.tar", in: folder, declaredSize: 2 << 20)
        let error = try #require(try Self.outcome(of: big, limits: ArchiveLimits(maxUnpackedBytes: 1 << 20)))
        #expect("\(error)".contains("larger than the limit"))
        let many = try TestArchive.python(#"[(f"f{i}", "0", b"x", "") for i in range(5)]"#, named: "many.tar.gz", in: folder)
        #expect("\(try #require(try Self.outcome(of: many, limits: ArchiveLimits(maxEntries: 3))))".contains("limit of 3 entries"))
    }

    @Test func damagedArchivesAreCorruptNotUnpacked() throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let notBzip2 = folder.appendingPathComponent("fake.tar.bz2")
        try Data("this is not bzip2 data at all".utf8).write(to: notBzip2)
        guard case let .archiveCorrupt(_, reason)? = try Self.outcome(of: notBzip2) as? ModelPullError else {
            Issue.record("expected archiveCorrupt")
            return
        }
        #expect(reason.contains("bzip2"), "\(reason)")
        let truncated = try TestArchive.python(#"[("a.bin", "0", bytes(5000), "")]"#, named: "cut.tar", in: folder)
        let bytes = try Data(contentsOf: truncated)
        try bytes.prefix(2000).write(to: truncated)
        #expect((try Self.outcome(of: truncated) as? ModelPullError)?.code == ProblemCode.modelArchiveCorrupt)
        var header = [UInt8](bytes)
        header[0] ^= 0x55
        try Data(header).write(to: truncated)
        #expect("\(try #require(try Self.outcome(of: truncated)))".contains("checksum"))
    }

    @Test func cancellingStopsAndCleansUp() throws {
        let folder = try TestArchive.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try TestArchive.python(#"[(f"f{i}", "0", bytes(100000), "") for i in range(20)]"#, named: "slow.tar.gz", in: folder)
        let out = folder.appendingPathComponent("out")
        var chunks = 0
        #expect(throws: ModelPullError.cancelled(id: "slow.tar.gz")) {
            try ArchiveUnpacker().unpack(archive, into: out, isCancelled: {
                chunks += 1
                return chunks > 2
            })
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
