import OpenAPIRuntime

/// A response body that gives its stream slot back when it ends: read to the end, failed,
/// or dropped unread (the client went away).
struct SlotReleasingBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let base: HTTPBody
    let slot: StreamSlot

    /// `body`, releasing `slot` when it ends.
    static func wrap(_ body: HTTPBody, releasing slot: StreamSlot) -> HTTPBody {
        HTTPBody(SlotReleasingBody(base: body, slot: slot), length: body.length, iterationBehavior: body.iterationBehavior)
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), slot: slot) }

    struct Iterator: AsyncIteratorProtocol {
        var base: HTTPBody.AsyncIterator
        let slot: StreamSlot

        mutating func next() async throws -> ArraySlice<UInt8>? {
            do {
                guard let chunk = try await base.next() else {
                    slot.release()
                    return nil
                }
                return chunk
            } catch {
                slot.release()
                throw error
            }
        }
    }
}
