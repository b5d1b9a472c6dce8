import Foundation
import GLMTTSEngine

/// The rules every catalogue obeys, checked when it is loaded and by the catalogue test:
/// ids are safe and unique, every URL is https on its publisher's host, licences are named,
/// sizes are stated, digests look like digests, steps use only the entry's files, and packs
/// name existing entries.
public enum CatalogueRules {
    /// The hosts models are published on (`huggingface.co`, GitHub release downloads).
    public static let publisherHosts: Set<String> = ["huggingface.co", "github.com"]

    /// Everything wrong with `catalogue`, one sentence each (empty when it is valid).
    public static func problems(in catalogue: PublishedCatalogue) -> [String] {
        var problems: [String] = []
        var ids = Set<String>()
        for model in catalogue.models {
            let id = model.id
            if !ModelManifest.isValidID(id) || id.hasPrefix(".") { problems.append("'\(id)' is not a safe model id") }
            if !ids.insert(id).inserted { problems.append("'\(id)' appears twice") }
            if model.licence.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("'\(id)' names no licence") }
            if model.description.isEmpty { problems.append("'\(id)' has no description") }
            if model.languages.isEmpty { problems.append("'\(id)' names no language") }
            if !(1...384_000).contains(model.sampleRate) { problems.append("'\(id)' has an implausible sample rate") }
            if model.files.isEmpty && model.snapshot == nil { problems.append("'\(id)' has no files") }
            if model.install.isEmpty && model.snapshot == nil { problems.append("'\(id)' has no install steps") }
            if let snapshot = model.snapshot { problems += snapshotProblems(snapshot, of: id) }
            problems += fileProblems(model)
        }
        for pack in catalogue.packs {
            if ids.contains(pack.id) { problems.append("pack '\(pack.id)' has the id of an entry") }
            if !ModelManifest.isValidID(pack.id) { problems.append("pack '\(pack.id)' is not a safe id") }
            if pack.members.isEmpty { problems.append("pack '\(pack.id)' is empty") }
            for member in pack.members where !ids.contains(member) {
                problems.append("pack '\(pack.id)' names '\(member)', which is not an entry")
            }
        }
        return problems
    }

    private static func fileProblems(_ model: PublishedModel) -> [String] {
        var problems: [String] = []
        var names = Set<String>()
        for file in model.files {
            let what = "'\(model.id)' file '\(file.name)'"
            if !isPlainName(file.name) { problems.append("\(what) is not a plain file name") }
            if !names.insert(file.name).inserted { problems.append("\(what) appears twice") }
            if file.url.scheme != "https" { problems.append("\(what) is not served over https") }
            if let host = file.url.host, !publisherHosts.contains(host) {
                problems.append("\(what) is on \(host), not on a publisher's host (\(publisherHosts.sorted().joined(separator: ", ")))")
            } else if file.url.host == nil {
                problems.append("\(what) has no host")
            }
            if file.size <= 0 { problems.append("\(what) states no size") }
            if let sha = file.sha256, !isHex(sha, length: 64) { problems.append("\(what) has a malformed SHA-256") }
            if let md5 = file.md5, !isHex(md5, length: 32) { problems.append("\(what) has a malformed MD5") }
        }
        for step in model.install {
            for input in step.inputs where !names.contains(input) {
                problems.append("'\(model.id)' installs '\(input)', which is not one of its files")
            }
            switch step {
            case let .unpack(file, strip):
                if ArchiveCompression(fileName: file) == nil { problems.append("'\(model.id)' unpacks '\(file)', which is no tar archive") }
                if !(0...8).contains(strip) { problems.append("'\(model.id)' strips \(strip) components") }
            case let .place(_, name?), let .join(_, name):
                if !isPlainName(name) { problems.append("'\(model.id)' writes '\(name)', which is not a plain file name") }
            case .place(_, nil), .importPiper: break
            }
        }
        let writesManifest = model.install.contains { if case .importPiper = $0 { true } else { false } }
        if !writesManifest, model.engine != .espeak, model.engine != .glmtts, model.snapshot == nil, model.manifestFiles.isEmpty {
            problems.append("'\(model.id)' names no manifest files")
        }
        for (role, name) in model.manifestFiles where name.hasPrefix("/") || name.split(separator: "/").contains("..") {
            problems.append("'\(model.id)' role '\(role)' points outside its folder")
        }
        return problems
    }

    private static func snapshotProblems(_ snapshot: RepositorySnapshot, of id: String) -> [String] {
        var problems: [String] = []
        let parts = snapshot.repository.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count != 2 || !parts.allSatisfy({ isPlainName(String($0)) }) {
            problems.append("'\(id)' names the repository '\(snapshot.repository)', not owner/name")
        }
        if !isPlainName(snapshot.revision) { problems.append("'\(id)' names the revision '\(snapshot.revision)'") }
        if !snapshot.into.isEmpty && !RepositorySnapshot.isSafe(snapshot.into) {
            problems.append("'\(id)' puts its snapshot into '\(snapshot.into)', outside its folder")
        }
        if let bytes = snapshot.approximateBytes, bytes <= 0 { problems.append("'\(id)' estimates its snapshot at \(bytes) bytes") }
        return problems
    }

    /// Letters, digits, `.`, `_`, `-`; not starting with a dot.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    private static func isHex(_ text: String, length: Int) -> Bool {
        text.count == length && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
