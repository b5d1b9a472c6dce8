import Foundation

/// An archive entry's name that passed the safety rules: relative, inside the destination
/// (no `..`), UTF-8, without NUL or backslash, not empty, not too long. Leading `./` and
/// empty or `.` components are dropped.
struct TarEntryPath: Equatable {
    /// The name's components, none of them empty, `.` or `..`.
    let components: [String]

    /// The name as written in the archive, for messages.
    let text: String

    /// Checks the raw name of an entry of `archive`; throws `archiveRefused` when it breaks a
    /// rule. `allowEmpty` lets a folder entry name the destination itself (`./`); its
    /// `components` are then empty.
    init(validating raw: [UInt8], archive: String, limits: ArchiveLimits, allowEmpty: Bool = false) throws {
        let shown = Self.printable(raw)
        func refuse(_ reason: String) -> ModelPullError {
            .archiveRefused(archive: archive, entry: shown, reason: reason)
        }
        guard raw.count <= limits.maxEntryNameBytes else {
            throw refuse("has a name longer than \(limits.maxEntryNameBytes) bytes")
        }
        guard !raw.contains(0), !raw.contains(UInt8(ascii: "\\")) else { throw refuse("has a NUL or backslash in its name") }
        guard let name = String(bytes: raw, encoding: .utf8) else { throw refuse("has a name that is not UTF-8") }
        guard !name.hasPrefix("/") else { throw refuse("has an absolute path") }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }.map(String.init)
        guard !parts.contains("..") else { throw refuse("points outside the destination folder with '..'") }
        guard !parts.isEmpty || (allowEmpty && !name.isEmpty) else { throw refuse("has an empty name") }
        components = parts
        text = shown
    }

    /// The components left after dropping `count` leading ones; nil when none would be left.
    func droppingLeading(_ count: Int) -> [String]? {
        components.count > count ? Array(components.dropFirst(count)) : nil
    }

    /// `raw` for a message: control characters shown as `?`, invalid UTF-8 as U+FFFD.
    static func printable(_ raw: [UInt8]) -> String {
        var shown = String.UnicodeScalarView()
        for scalar in String(decoding: raw.prefix(300), as: UTF8.self).unicodeScalars {
            shown.append(scalar.value < 0x20 || scalar.value == 0x7f ? "?" : scalar)
        }
        return String(shown)
    }
}
