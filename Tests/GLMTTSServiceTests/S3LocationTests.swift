import Foundation
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

@Suite struct S3LocationTests {
    @Test func parsesAStoreOfOurOwnAndAWS() throws {
        let local = try S3Location(parsing: "s3://glmtts-data?endpoint=http://127.0.0.1:8333&prefix=node-a/")
        #expect(local.bucket == "glmtts-data" && local.region == "us-east-1" && local.prefix == "node-a/" && !local.virtualHosted)
        let object = local.url(key: "outputs/abc.wav")
        #expect(object.url.absoluteString == "http://127.0.0.1:8333/glmtts-data/node-a/outputs/abc.wav")
        #expect(object.host == "127.0.0.1:8333" && object.path == "/glmtts-data/node-a/outputs/abc.wav")
        #expect(local.url(key: nil).path == "/glmtts-data")

        let aws = try S3Location(parsing: "s3://my.bucket?region=eu-west-1")
        #expect(aws.virtualHosted && aws.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com")
        #expect(aws.url(key: "voices/v.wav").url.absoluteString == "https://my.bucket.s3.eu-west-1.amazonaws.com/voices/v.wav")
        #expect(aws.url(key: nil).path == "/")
        let forced = try S3Location(parsing: "s3://b12?endpoint=https://minio.example:9000/&addressing=virtual")
        #expect(forced.virtualHosted && forced.url(key: "k").host == "b12.minio.example:9000")
    }

    @Test func refusesWhatCouldNameSomethingElse() {
        for bad in [
            "s3://", "s3://AB", "s3://Upper", "s3://a..b", "s3://-ab", "s3://bucket/path", "http://bucket",
            "s3://bucket?endpoint=ftp://x", "s3://bucket?endpoint=http://x/path", "s3://bucket?endpoint=http://u:p@x",
            "s3://bucket?endpoint=http://x?q=1", "s3://bucket?region=", "s3://bucket?region=us east",
            "s3://bucket?prefix=no-slash", "s3://bucket?prefix=../", "s3://bucket?prefix=a//", "s3://bucket?prefix=/a/",
            "s3://bucket?prefix=a%20b/", "s3://bucket?unknown=1", "s3://bucket?region=a&region=b", "s3://bucket?addressing=dns",
            "s3://" + String(repeating: "a", count: 64),
        ] {
            #expect(throws: S3Location.Invalid.self, "\(bad)") { try S3Location(parsing: bad) }
        }
    }

    @Test func blobKeysHaveOnePathOnDiskAndInABucket() throws {
        let id = JobID()
        #expect(BlobKey.upload(id).relativePath == "uploads/\(id.rawValue).clip")
        #expect(BlobKey.output(id, .mp3).relativePath == "outputs/\(id.rawValue).mp3")
        #expect(BlobKey.captions(id).relativePath == "outputs/\(id.rawValue).captions.json")
        #expect(BlobKey.voiceClip("../etc").relativePath == nil)
        #expect(BlobKey.jobID(ofPath: "outputs/\(id.rawValue).captions.json") == id)
        #expect(BlobKey.jobID(ofPath: "uploads/\(id.rawValue).clip") == id)
        for other in ["voices/\(id.rawValue).wav", "outputs/x/\(id.rawValue).wav", "outputs/not-an-id.wav", id.rawValue] {
            #expect(BlobKey.jobID(ofPath: other[...]) == nil, "\(other)")
        }
        let root = URL(fileURLWithPath: "/tmp/blobs")
        #expect(LocalBlobStore(root: root).file(.output(id, .wav))?.path == "/tmp/blobs/outputs/\(id.rawValue).wav")
        // A run's lease is part of its results' keys; they still belong to the job.
        #expect(BlobKey.output(id, .wav, lease: 42).relativePath == "outputs/\(id.rawValue).42.wav")
        #expect(BlobKey.captions(id, lease: 42).relativePath == "outputs/\(id.rawValue).42.captions.json")
        #expect(BlobKey.jobID(ofPath: "outputs/\(id.rawValue).42.wav") == id)
    }

    @Test func removingAJobsBlobsRemovesTheResultsOfEveryLeaseAndNothingElse() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = LocalBlobStore(root: root)
        try store.createFolders()
        let (id, other) = (JobID(), JobID())
        let keys: [BlobKey] = [
            .upload(id), .output(id, .wav), .output(id, .wav, lease: 7), .output(id, .mp3, lease: 8), .captions(id, lease: 8),
        ]
        for key in keys + [.output(other, .wav), .output(other, .wav, lease: 7)] { try await store.write(Data("x".utf8), to: key) }
        await store.removeBlobs(of: id)
        for key in keys { #expect(try await store.read(key) == nil, "\(key)") }
        #expect(try await store.read(.output(other, .wav)) != nil)
        #expect(try await store.read(.output(other, .wav, lease: 7)) != nil)
    }

    @Test func listingsAndErrorDocumentsAreRead() {
        let listing = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix>
            <IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
            <Contents><Key>p/outputs/a&amp;b.wav</Key><LastModified>2026-12-04T10:00:00.000Z</LastModified><Size>3</Size></Contents>
            <Contents><Key>p/uploads/c.clip</Key><LastModified>2026-12-04T10:00:01Z</LastModified></Contents>
            <KeyCount>2</KeyCount></ListBucketResult>
            """[...]
        let contents = S3XML.blocks(of: "Contents", in: listing)
        #expect(contents.count == 2)
        #expect(S3XML.value(of: "Key", in: contents[0]) == "p/outputs/a&b.wav")
        #expect(S3XML.value(of: "IsTruncated", in: listing) == "true")
        #expect(S3XML.value(of: "NextContinuationToken", in: listing) == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(S3XML.value(of: "Key", in: "<Keys>x</Keys><Key/>") == "")
        #expect(S3XML.decode("&lt;&#65;&#x42;&quot;&apos;&gt; &unknown; &") == "<AB\"'> &unknown; &")
        let modified = S3XML.value(of: "LastModified", in: contents[0]).flatMap(S3Client.parseTimestamp)
        #expect(modified == ISO8601DateFormatter().date(from: "2026-12-04T10:00:00Z"))
        #expect(S3Client.parseTimestamp("yesterday") == nil)
        let error = "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>"[...]
        #expect(S3XML.value(of: "Code", in: error) == "NoSuchBucket")
        #expect(S3XML.value(of: "Missing", in: error) == nil)
        #expect(S3XML.blocks(of: "Unclosed", in: "<Unclosed>never").isEmpty)
    }
}
