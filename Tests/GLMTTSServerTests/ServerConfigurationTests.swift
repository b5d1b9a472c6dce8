import Testing

@testable import GLMTTSServer

@Suite struct ServerConfigurationTests {
    @Test func defaultsBindToLoopback() throws {
        let configuration = try ServerConfiguration.fromEnvironment(["GLMTTS_DATA_DIR": "/tmp/glmtts-config-test"])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.maxUploadBytes == 25 << 20)
    }

    @Test func rejectsOutOfRangeValues() {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(["GLMTTS_MAX_UPLOAD_MB": "-3"])
        }
    }
}
