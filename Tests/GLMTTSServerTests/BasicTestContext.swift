@testable import GLMTTSServer

/// The request context type used to instantiate generic middleware in tests.
typealias BasicTestContext = ServerRequestContext
