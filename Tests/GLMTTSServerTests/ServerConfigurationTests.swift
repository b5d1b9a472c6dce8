import Foundation
import Testing

@testable import GLMTTSServer

@Suite struct ServerConfigurationTests {
    @Test func defaultsBindToLoopback() throws {
        let configuration = try ServerConfiguration.fromEnvironment(["GLMTTS_DATA_DIR": "/tmp/glmtts-config-test"])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.maxUploadBytes == 25 << 20)
    }

    @Test func blobsAreLocalByDefaultAndAnS3BucketNeedsItsKeys() throws {
        let base = ["GLMTTS_DATA_DIR": "/tmp/glmtts-config-test"]
        #expect(try ServerConfiguration.fromEnvironment(base).blobs == .localDisk(folder: nil))
        let folder = try ServerConfiguration.fromEnvironment(base.merging(["GLMTTS_BLOBS": "file:/srv/blobs"]) { $1 })
        #expect(folder.blobs == .localDisk(folder: URL(fileURLWithPath: "/srv/blobs", isDirectory: true)))
        let s3 = base.merging([
            "GLMTTS_BLOBS": "s3://glmtts?endpoint=http://127.0.0.1:8333", "AWS_ACCESS_KEY_ID": "AKID",
            "AWS_SECRET_ACCESS_KEY": "the-secret",
        ]) { $1 }
        guard case let .s3(location, credentials) = try ServerConfiguration.fromEnvironment(s3).blobs else {
            Issue.record("not an S3 setting")
            return
        }
        #expect(location.bucket == "glmtts" && credentials.accessKeyID == "AKID" && credentials.sessionToken == nil)
        #expect(!(try ServerConfiguration.fromEnvironment(s3).blobs.summary.contains("the-secret")))
        for (value, needle) in [
            ("file:relative", "GLMTTS_BLOBS"), ("ftp://x", "GLMTTS_BLOBS"), ("s3://UPPER", "bucket name"),
            ("s3://AKID:the-secret@glmtts", "hidden"),
        ] {
            let error = #expect(throws: ConfigurationError.self) {
                try ServerConfiguration.fromEnvironment(s3.merging(["GLMTTS_BLOBS": value]) { $1 })
            }
            #expect(error?.message.contains(needle) == true && error?.message.contains("the-secret") == false, "\(value)")
        }
        let noKeys = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(s3.filter { $0.key != "AWS_SECRET_ACCESS_KEY" })
        }
        #expect(noKeys?.message.contains("AWS_SECRET_ACCESS_KEY") == true)
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
