import Hummingbird
import NIOCore

/// A request body that fails with `413` as soon as more than `limit` bytes have arrived,
/// so an oversized upload is refused while it streams, never buffered whole. The problem
/// names `reportedLimit` (the configured upload limit; `limit` adds room for form fields).
struct LimitedRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: RequestBody
    let limit: Int
    let reportedLimit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let reportedLimit: Int
        var received = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            received += buffer.readableBytes
            if received > limit { throw HTTPProblem.tooLarge(limit: reportedLimit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, reportedLimit: reportedLimit)
    }
}
