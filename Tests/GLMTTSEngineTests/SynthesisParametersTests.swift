import Testing
@testable import GLMTTSEngine

@Suite struct SynthesisParametersTests {
    @Test func defaultsAreValid() throws {
        try SynthesisParameters().validate()
    }

    @Test(arguments: [
        SynthesisParameters(temperature: 0.05), SynthesisParameters(temperature: 1.6),
        SynthesisParameters(temperature: .nan), SynthesisParameters(topP: 0.4),
        SynthesisParameters(topP: 1.01), SynthesisParameters(topK: 0), SynthesisParameters(topK: 101),
        SynthesisParameters(speed: 0.2), SynthesisParameters(speed: 4.5), SynthesisParameters(speed: .infinity),
    ])
    func outOfRangeIsRejected(_ parameters: SynthesisParameters) {
        #expect(throws: ParameterError.self) { try parameters.validate() }
    }

    @Test func boundsAreAccepted() throws {
        try SynthesisParameters(temperature: 0.1, topP: 0.5, topK: 1, speed: 0.25).validate()
        try SynthesisParameters(temperature: 1.5, topP: 1.0, topK: 100, speed: 4.0).validate()
    }

    @Test func errorNamesParameterAndRange() {
        do {
            try SynthesisParameters(speed: 9).validate()
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
