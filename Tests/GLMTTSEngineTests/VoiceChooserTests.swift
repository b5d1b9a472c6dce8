import Foundation
import Testing

@testable import GLMTTSEngine

/// The voice rule over manifests as `scripts/prepare-models` writes them.
@Suite struct VoiceChooserTests {
    static func model(_ id: String, _ engine: EngineKind, _ languages: [String], never: Bool = false) -> InstalledModel {
        InstalledModel(
            manifest: ModelManifest(
                id: id, engine: engine, description: id, sampleRate: 22_050, languages: languages, files: [:],
                options: never ? ["defaultChoice": "never"] : [:], licence: "test",
                capabilities: ManifestCapabilities(canClone: false, streaming: true)),
            directory: URL(fileURLWithPath: "/nonexistent/\(id)"))
    }

    static let installed = [
        model("en_US-joe-medium", .piper, ["en-US"]),
        model("espeak-cmn", .espeak, ["cmn"], never: true),
        model("espeak-ja", .espeak, ["ja"]),
        model("kokoro-jf_alpha", .kokoro, ["zh", "ja", "en"]),
        model("kokoro-jm_kumo", .kokoro, ["zh", "ja", "en"]),
    ]

    let chooser = VoiceChooser(models: installed, fallbackDefault: "en_US-joe-medium")

    @Test func eachLanguageGetsItsDefaultVoice() throws {
        #expect(try chooser.choose(text: "你好，世界。", named: nil).voiceID == "kokoro-jm_kumo")
        #expect(try chooser.choose(text: "こんにちは。", named: nil).voiceID == "kokoro-jf_alpha")
        #expect(try chooser.choose(text: "Hello.", named: nil).voiceID == "en_US-joe-medium")
    }

    @Test func aReferenceClipPrefersAnInstalledVoiceThatClones() throws {
        var zipvoice = Self.model("zipvoice-zh-en", .zipvoice, ["zh", "en"])
        zipvoice.manifest.capabilities.canClone = true
        let chooser = VoiceChooser(models: Self.installed + [zipvoice], fallbackDefault: "en_US-joe-medium")
        #expect(try chooser.choose(text: "你好。", named: nil, preferCloning: true).voiceID == "zipvoice-zh-en")
        #expect(try chooser.choose(text: "Hello.", named: nil, preferCloning: true).voiceID == "zipvoice-zh-en")
        #expect(try chooser.choose(text: "こんにちは。", named: nil, preferCloning: true).voiceID == "kokoro-jf_alpha", "it speaks no Japanese")
        #expect(try chooser.choose(text: "Hello.", named: nil).voiceID == "en_US-joe-medium", "no clip: the default voice")
        #expect(try chooser.choose(text: "Hello.", named: "en_US-joe-medium", preferCloning: true).voiceID == "en_US-joe-medium")
        #expect(try self.chooser.choose(text: "Hello.", named: nil, preferCloning: true).voiceID == "en_US-joe-medium")
    }

    @Test func mixedTextGetsOneVoiceThatSpeaksAllItsLanguages() throws {
        let choice = try chooser.choose(text: "Hello. 你好。", named: nil)
        #expect(choice.voiceID == "kokoro-jm_kumo")
        #expect(Set(choice.languages) == ["en", "zh"])
    }

    @Test func aNamedVoiceMustSpeakTheText() throws {
        #expect(try chooser.choose(text: "你好。", named: "kokoro-jf_alpha").named)
        #expect(
            throws: TextError.languageUnsupported(
                languages: ["zh"], voice: "en_US-joe-medium",
                alternatives: ["kokoro-jf_alpha", "kokoro-jm_kumo", "espeak-cmn"])
        ) {
            try chooser.choose(text: "你好。", named: "en_US-joe-medium")
        }
    }

    @Test func aVoiceThatSaysNeverIsUsedOnlyWhenNamed() throws {
        let withoutKokoro = VoiceChooser(models: Self.installed.filter { $0.manifest.engine != .kokoro })
        #expect(throws: TextError.languageUnsupported(languages: ["zh"], voice: nil, alternatives: ["espeak-cmn"])) {
            try withoutKokoro.choose(text: "你好。", named: nil)
        }
        #expect(try withoutKokoro.choose(text: "你好。", named: "espeak-cmn").voiceID == "espeak-cmn")
    }

    @Test func aLanguageNoVoiceSpeaksIsRefused() {
        #expect(throws: TextError.languageUnsupported(languages: ["ko"], voice: nil, alternatives: [])) {
            try chooser.choose(text: "안녕하세요.", named: nil)
        }
    }

    @Test func theCallersLanguageOverridesDetection() throws {
        #expect(try chooser.choose(text: "2024", named: nil, language: "zh-CN").voiceID == "kokoro-jm_kumo")
        #expect(try chooser.choose(text: "東京大学", named: nil, language: "ja").voiceID == "kokoro-jf_alpha")
    }

    @Test func textWithoutLettersGetsTheDefaultVoice() throws {
        let choice = try chooser.choose(text: "12345", named: nil)
        #expect(choice.voiceID == "en_US-joe-medium")
        #expect(choice.languages.isEmpty)
    }

    @Test func configuredDefaultsComeFirstWhenTheySpeakTheText() throws {
        let configured = VoiceChooser(
            models: Self.installed, configuredDefault: "kokoro-jf_alpha",
            languageDefaults: VoiceChooser.parseLanguageDefaults("zh = kokoro-jf_alpha, bad, =x"))
        #expect(try configured.choose(text: "Hello.", named: nil).voiceID == "kokoro-jf_alpha")
        #expect(VoiceChooser.parseLanguageDefaults("zh=kokoro-jf_alpha, bad, =x") == ["zh": "kokoro-jf_alpha"])
        let piperFirst = VoiceChooser(models: Self.installed, configuredDefault: "en_US-joe-medium")
        #expect(try piperFirst.choose(text: "你好。", named: nil).voiceID == "kokoro-jm_kumo")  // joe cannot speak it
    }
}
