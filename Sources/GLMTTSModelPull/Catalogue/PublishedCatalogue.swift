import Foundation
import GLMTTSEngine

/// The catalogue of published models that `glmtts models pull` can install: versioned data
/// in `catalogue/models.json` (`GLMTTS_CATALOGUE` names another file), never code.
///
/// Loading checks the rules (`CatalogueRules`): a catalogue that breaks them is refused
/// as a whole, so a pull never follows a half-valid entry.
public struct PublishedCatalogue: Sendable, Codable, Equatable {
    /// Current format version of the file.
    public static let currentFormat = 1
    /// Largest catalogue file read (bytes).
    public static let maxFileBytes = 16 << 20

    /// Format version.
    public var format: Int
    /// The entries, by id order of the file.
    public var models: [PublishedModel]
    /// Named groups of entries.
    public var packs: [ModelPack]

    public init(models: [PublishedModel], packs: [ModelPack] = []) {
        self.format = Self.currentFormat
        self.models = models
        self.packs = packs
    }

    /// Reads and checks the catalogue at `url`.
    public static func load(from url: URL) throws -> PublishedCatalogue {
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= maxFileBytes else {
                throw ModelPullError.catalogueInvalid(path: url.path, reason: "it is larger than \(maxFileBytes >> 20) MiB")
            }
            data = try Data(contentsOf: url)
        } catch let error as ModelPullError {
            throw error
        } catch {
            throw ModelPullError.catalogueInvalid(path: url.path, reason: "it cannot be read (\(error.localizedDescription))")
        }
        let catalogue: PublishedCatalogue
        do {
            catalogue = try JSONDecoder().decode(PublishedCatalogue.self, from: data)
        } catch {
            throw ModelPullError.catalogueInvalid(path: url.path, reason: "it is not a valid catalogue (\(Self.describe(error)))")
        }
        guard catalogue.format <= currentFormat else {
            throw ModelPullError.catalogueInvalid(
                path: url.path, reason: "format \(catalogue.format) is newer than this build understands; update glmtts")
        }
        let problems = CatalogueRules.problems(in: catalogue)
        guard problems.isEmpty else {
            let shown = problems.prefix(5).joined(separator: "; ")
            throw ModelPullError.catalogueInvalid(path: url.path, reason: "\(problems.count) problem(s): \(shown)")
        }
        return catalogue
    }

    /// A decoding error in a sentence: where in the file, and what is wrong there.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?: return "\(path(context.codingPath)) lacks '\(key.stringValue)'"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case let .dataCorrupted(context)?:
            return context.codingPath.isEmpty ? "not JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    /// Where the catalogue is: `override` (`GLMTTS_CATALOGUE`), else `<root>/catalogue/models.json`.
    public static func location(root: URL, override: URL?) -> URL {
        override ?? root.appendingPathComponent("catalogue", isDirectory: true).appendingPathComponent("models.json")
    }

    /// The entry with this id, if any.
    public func model(id: String) -> PublishedModel? {
        models.first { $0.id == id }
    }

    /// The entries that `ids` name (entry or pack ids), in order, each once. Throws
    /// `ModelPullError.notInCatalogue` (with close ids as suggestions) for an unknown id.
    public func resolve(_ ids: [String]) throws -> [PublishedModel] {
        var seen = Set<String>()
        var result: [PublishedModel] = []
        for id in ids {
            let members: [String]
            if model(id: id) != nil {
                members = [id]
            } else if let pack = packs.first(where: { $0.id == id }) {
                members = pack.members
            } else {
                throw ModelPullError.notInCatalogue(id: id, suggestions: suggestions(for: id))
            }
            for member in members where seen.insert(member).inserted {
                if let entry = model(id: member) { result.append(entry) }
            }
        }
        return result
    }

    /// Ids close to `id` (sharing its start or containing it), for "did you mean".
    func suggestions(for id: String) -> [String] {
        let needle = id.lowercased()
        guard needle.count >= 2 else { return [] }
        let all = packs.map(\.id) + models.map(\.id)
        let containing = all.filter { $0.lowercased().contains(needle) }
        if !containing.isEmpty { return containing }
        let prefix = String(needle.prefix(4))
        return all.filter { $0.lowercased().hasPrefix(prefix) }
    }
}
