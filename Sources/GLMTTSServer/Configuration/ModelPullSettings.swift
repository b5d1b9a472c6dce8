package import Foundation
import GLMTTSEngine
package import GLMTTSModelPull

/// The settings of `glmtts models pull` and the admin pull API: the catalogue file
/// (`GLMTTS_CATALOGUE`, else `<project>/catalogue/models.json`), a mirror for every download
/// (`GLMTTS_MODEL_MIRROR`) and the most an archive may unpack to (`GLMTTS_MODEL_UNPACK_LIMIT_MB`,
/// default 65536).
package struct ModelPullSettings: Sendable, Equatable {
    /// `GLMTTS_CATALOGUE`, if set.
    package var catalogueOverride: URL?
    /// The mirror, if set.
    package var mirror: ModelMirror?
    /// Archive limits.
    package var limits = ArchiveLimits()

    /// The defaults: the project's catalogue, the publishers' hosts, 64 GiB per archive.
    package init() {}

    /// The pull settings in `settings`.
    package init(_ settings: SettingsReader) throws {
        catalogueOverride = settings.string("GLMTTS_CATALOGUE").map { URL(fileURLWithPath: $0) }
        if let text = settings.string("GLMTTS_MODEL_MIRROR"), !text.isEmpty {
            guard let mirror = ModelMirror(text) else {
                throw ConfigurationError.invalid(
                    name: "GLMTTS_MODEL_MIRROR", value: text,
                    expected: "an http(s) base URL such as https://mirror.example/models (the publishers' paths are appended unchanged)")
            }
            self.mirror = mirror
        }
        if let megabytes = try settings.integer("GLMTTS_MODEL_UNPACK_LIMIT_MB", in: 1...16_777_216) {
            limits = ArchiveLimits(maxUnpackedBytes: Int64(megabytes) << 20)
        }
    }

    /// The pull settings of this process (environment over the `GLMTTS_CONFIG` file).
    package static func load() throws -> ModelPullSettings {
        try ModelPullSettings(try SettingsSource.reader())
    }

    /// Where the catalogue is, for the project at `root`.
    package func catalogueURL(root: URL) -> URL {
        PublishedCatalogue.location(root: root, override: catalogueOverride)
    }

    /// The catalogue, read and checked now.
    package func catalogue(root: URL) throws -> PublishedCatalogue {
        try PublishedCatalogue.load(from: catalogueURL(root: root))
    }

    /// A puller into `engine`'s models directory over `client` (the caller shuts it down).
    package func puller(engine: EngineSettings, client: DownloadClient) throws -> ModelPuller {
        let models = engine.dataDirectory.models
        let downloader = ModelDownloader(client: client, cache: DownloadCache(models: models), mirror: mirror)
        return ModelPuller(
            catalogue: try catalogue(root: engine.projectRoot), store: ModelStore(directory: models), downloader: downloader, limits: limits
        )
    }
}
