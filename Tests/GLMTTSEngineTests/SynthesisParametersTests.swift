import Foundation
import Testing

@testable import GLMTTSEngine

@Suite struct SynthesisParametersTests {
    @Test func defaultsAreValid() throws {
        #expect(try SynthesisParameters(temperature: 0.8, topP: 0.9, topK: 25, speed: 1) == SynthesisParameters())
    }

    @Test func outOfRangeCannotBeBuilt() {
        let attempts: [() throws -> SynthesisParameters] = [
            { try SynthesisParameters(temperature: 0.05) }, { try SynthesisParameters(temperature: 1.6) },
            { try SynthesisParameters(temperature: .nan) }, { try SynthesisParameters(topP: 0.4) },
            { try SynthesisParameters(topP: 1.01) }, { try SynthesisParameters(topK: 0) }, { try SynthesisParameters(topK: 101) },
            { try SynthesisParameters(speed: 0.2) }, { try SynthesisParameters(speed: 4.5) }, { try SynthesisParameters(speed: .infinity) },
        ]
        for attempt in attempts {
            #expect(throws: ParameterError.self) { _ = try attempt() }
        }
    }

    @Test func outOfRangeCannotBeDecoded() throws {
        let stored = Data(#"{"temperature": 0.8, "topP": 0.9, "topK": 0, "samplingStrategy": "balanced", "speed": 1}"#.utf8)
        #expect(throws: ParameterError.self) { _ = try JSONDecoder().decode(SynthesisParameters.self, from: stored) }
        let valid = try SynthesisParameters(temperature: 0.5, topK: 7, seed: 3, speed: 2)
        #expect(try JSONDecoder().decode(SynthesisParameters.self, from: JSONEncoder().encode(valid)) == valid)
    }

    @Test func boundsAreAccepted() throws {
        _ = try SynthesisParameters(temperature: 0.1, topP: 0.5, topK: 1, speed: 0.25)
        _ = try SynthesisParameters(temperature: 1.5, topP: 1.0, topK: 100, speed: 4.0)
    }

    @Test func errorNamesParameterAndRange() {
        do {
            _ = try SynthesisParameters(speed: 9)
            Issue.record("expected an error")
        } catch let error as ParameterError {
            #expect(error.code == "parameter.out_of_range")
            #expect(error.message.contains("speed"))
            #expect(error.message.contains("0.25–4.0"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
