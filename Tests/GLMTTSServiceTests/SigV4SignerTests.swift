import Foundation
import Testing

@testable import GLMTTSService

/// AWS Signature Version 4 against AWS's own published examples: the SigV4 test suite
/// (`aws-sig-v4-test-suite`: service "service", 2015-08-30) and the worked examples of the S3
/// documentation ("Signature Calculations for the Authorization Header", 2013-05-24).
@Suite struct SigV4SignerTests {
    /// The test suite's credentials, region and service.
    let suite = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    /// The S3 documentation's credentials.
    let s3 = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let suiteTime = "20150830T123600Z"
    let s3Time = "20130524T000000Z"

    func suiteRequest(_ method: String, path: String = "/", query: [(String, String)] = []) -> CanonicalRequest {
        CanonicalRequest(
            method: method, path: path, query: query, headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", suiteTime)],
            payloadHash: SigV4Signer.emptyPayloadHash)
    }

    @Test func getVanillaMatchesEveryPublishedStep() {
        let request = suiteRequest("GET")
        #expect(
            request.text
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            suite.stringToSign(request, timestamp: suiteTime)
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
        #expect(
            SigV4Signer.hex(suite.signingKey(day: "20150830").withUnsafeBytes { Array($0) })
                == "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75")
        #expect(
            suite.authorization(request, timestamp: suiteTime)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test func suiteCasesForQueriesMethodsAndUnicodePaths() {
        // get-vanilla-query-order-key-case: the query is sorted by name before signing.
        #expect(
            suite.signature(suiteRequest("GET", query: [("Param2", "value2"), ("Param1", "value1")]), timestamp: suiteTime)
                == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        // post-vanilla
        #expect(
            suite.signature(suiteRequest("POST"), timestamp: suiteTime)
                == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
        // get-utf8: the path "/ሴ", encoded byte by byte.
        #expect(SigV4Signer.encode("/ሴ", keepingSlashes: true) == "/%E1%88%B4")
        #expect(
            suite.signature(suiteRequest("GET", path: SigV4Signer.encode("/ሴ", keepingSlashes: true)), timestamp: suiteTime)
                == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    @Test func s3DocumentationExamples() {
        let host = ("host", "examplebucket.s3.amazonaws.com")
        let empty = SigV4Signer.emptyPayloadHash
        // GET Object with a Range header.
        let get = CanonicalRequest(
            method: "GET", path: "/test.txt", query: [],
            headers: [host, ("range", "bytes=0-9"), ("x-amz-content-sha256", empty), ("x-amz-date", s3Time)], payloadHash: empty)
        #expect(get.signedHeaderNames == "host;range;x-amz-content-sha256;x-amz-date")
        #expect(
            s3.stringToSign(get, timestamp: s3Time).hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(s3.signature(get, timestamp: s3Time) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        // PUT Object: a key that needs encoding ('$'), a signed body, a storage class.
        let body = SigV4Signer.hexSHA256(Data("Welcome to Amazon S3.".utf8))
        #expect(body == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let put = CanonicalRequest(
            method: "PUT", path: SigV4Signer.encode("/test$file.text", keepingSlashes: true), query: [],
            headers: [
                ("date", "Fri, 24 May 2013 00:00:00 GMT"), host, ("x-amz-content-sha256", body), ("x-amz-date", s3Time),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ], payloadHash: body)
        #expect(s3.signature(put, timestamp: s3Time) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        // GET Bucket lifecycle: a query parameter without a value.
        let headers = [host, ("x-amz-content-sha256", empty), ("x-amz-date", s3Time)]
        let lifecycle = CanonicalRequest(method: "GET", path: "/", query: [("lifecycle", "")], headers: headers, payloadHash: empty)
        #expect(s3.signature(lifecycle, timestamp: s3Time) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        // GET Bucket (list objects): two parameters, sorted.
        let list = CanonicalRequest(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: headers, payloadHash: empty)
        #expect(s3.signature(list, timestamp: s3Time) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func signedHeadersCarryTheDateTheTokenAndTheAuthorization() throws {
        let date = try #require(ISO8601DateFormatter().date(from: "2015-08-30T12:36:00Z"))
        let added = suite.signedHeaders(
            method: "GET", path: "/", query: [], headers: [("host", "example.amazonaws.com")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(added.map(\.0) == ["x-amz-date", "authorization"])
        #expect(added[0].1 == suiteTime)
        #expect(added[1].1.hasSuffix("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"))
        let temporary = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token/+="),
            region: "us-east-1", service: "service")
        let withToken = temporary.signedHeaders(
            method: "GET", path: "/", query: [], headers: [("host", "h")], payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        #expect(withToken.map(\.0) == ["x-amz-date", "x-amz-security-token", "authorization"])
        #expect(withToken[2].1.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
    }

    @Test func encodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.encode("a b*(c)") == "a%20b%2A%28c%29")
        #expect(SigV4Signer.encode("~-_.AZaz09") == "~-_.AZaz09")
        #expect(SigV4Signer.encode("a/b+c=") == "a%2Fb%2Bc%3D")
        #expect(SigV4Signer.encode("a/b", keepingSlashes: true) == "a/b")
        #expect(
            CanonicalRequest(method: "GET", path: "/", query: [], headers: [("X-A", "  two   spaces ")], payloadHash: "h").text
                .contains("x-a:two spaces\n"))
    }

    @Test func credentialsNeverPrintTheirSecret() {
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "also-secret")
        for text in ["\(credentials)", String(describing: credentials), String(reflecting: credentials)] {
            #expect(!text.contains("very-secret") && !text.contains("also-secret"), "\(text)")
        }
    }
}
