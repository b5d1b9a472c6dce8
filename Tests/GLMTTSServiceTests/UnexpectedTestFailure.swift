import Foundation
import GLMTTSTestSupport
import Testing

@testable import GLMTTSEngine
@testable import GLMTTSService

/// A failure no code in the project knows, carrying text that must not reach a client.
struct UnexpectedTestFailure: Error {
    var secret = "/srv/secret/path exploded"
}
