import Foundation

/// The process environment, read once at first use. This is the one place the code reads
/// it: the configuration turns it into settings (`SettingsSource` in the server), workers
/// inherit it, and external tools are looked up on its `PATH`.
public enum ProcessEnvironment {
    /// The environment variables this process started with.
    public static let variables: [String: String] = ProcessInfo.processInfo.environment

    /// The folders of `PATH`, then the usual system folders, to look executables up in.
    public static var executableSearchPath: [URL] {
        let listed = (variables["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        return (listed + ["/usr/bin", "/usr/local/bin"]).filter { !$0.isEmpty }.map { URL(fileURLWithPath: $0, isDirectory: true) }
    }

    /// The first executable called `name` on the search path; nil when there is none.
    public static func executable(named name: String) -> URL? {
        executableSearchPath.map { $0.appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
