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

    @Test func wyomingIsOffByDefaultAndNeedsAnAllowListOffLoopback() throws {
        let base = ["GLMTTS_DATA_DIR": "/tmp/glmtts-config-test"]
        #expect(try ServerConfiguration.fromEnvironment(base).wyomingPort == nil)
        let local = try ServerConfiguration.fromEnvironment(base.merging(["GLMTTS_WYOMING_PORT": "10200"]) { $1 })
        #expect(local.wyomingPort == 10200)
        #expect(local.wyomingHost == "127.0.0.1")
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(
                base.merging(["GLMTTS_WYOMING_PORT": "10200", "GLMTTS_WYOMING_HOST": "0.0.0.0"]) { $1 })
        }
        let allowed = try ServerConfiguration.fromEnvironment(
            base.merging(["GLMTTS_WYOMING_PORT": "10200", "GLMTTS_WYOMING_HOST": "0.0.0.0", "GLMTTS_WYOMING_ALLOW": "192.168.1.20"]) { $1 })
        #expect(allowed.wyomingAllowedClients == ["192.168.1.20"])
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(base.merging(["GLMTTS_WYOMING_PORT": "70000"]) { $1 })
        }
    }
}
