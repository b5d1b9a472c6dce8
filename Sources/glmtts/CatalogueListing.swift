import GLMTTSModelPull

/// The JSON shape of `glmtts models catalog --json`.
struct CatalogueListing: Encodable {
    struct Entry: Encodable {
        var entry: PublishedModel
        var installed: Bool

        func encode(to encoder: any Encoder) throws {
            try entry.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(installed, forKey: .installed)
        }

        private enum Key: String, CodingKey { case installed }
    }

    var catalogue: String
    var models: [Entry]
    var packs: [ModelPack]
}
