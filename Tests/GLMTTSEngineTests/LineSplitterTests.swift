import Foundation
import Testing

@testable import GLMTTSEngine

@Suite("LineSplitter")
struct LineSplitterTests {
    /// Feeds `stream` in reads of `size` bytes; returns the lines, the remainder and whether
    /// every read stayed within the limit.
    func split(_ stream: [UInt8], readsOf size: Int, limit: Int = 1 << 20) -> (lines: [[UInt8]], rest: [UInt8]?, ok: Bool) {
        var splitter = LineSplitter(limit: limit)
        var lines: [[UInt8]] = []
        var ok = true
        var offset = 0
        while offset < stream.count && ok {
            let end = min(offset + size, stream.count)
            ok = splitter.append(Data(stream[offset..<end])) { lines.append([UInt8]($0)) }
            offset = end
        }
        return (lines, splitter.remainder().map { [UInt8]($0) }, ok)
    }

    @Test("gives the same lines however the stream is cut into reads")
    func sameLinesForEveryReadSize() {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 70_000)
        let expected: [[UInt8]] = [Array("{\"id\":1}".utf8), [], long, Array("last\r".utf8)]
        let stream = expected.flatMap { $0 + [0x0A] } + Array("tail".utf8)
        for size in [1, 2, 3, 7, 64, 4096, 65_536, stream.count] {
            let (lines, rest, ok) = split(stream, readsOf: size)
            #expect(ok)
            #expect(lines == expected, "reads of \(size) bytes")
            #expect(rest == Array("tail".utf8))
        }
    }

    @Test("a stream that ends with a newline leaves nothing behind; an empty one gives no line")
    func nothingLeft() {
        #expect(split(Array("a\nb\n".utf8), readsOf: 1).rest == nil)
        let empty = split([], readsOf: 8)
        #expect(empty.lines.isEmpty && empty.rest == nil && empty.ok)
    }

    @Test("a line over the limit is refused once it grows past it, the lines before it kept")
    func oversizeLine() {
        let stream = Array("short\n".utf8) + [UInt8](repeating: 0x41, count: 200)
        let (lines, _, ok) = split(stream, readsOf: 50, limit: 100)
        #expect(!ok)
        #expect(lines == [Array("short".utf8)])
        // A line of exactly the limit passes.
        #expect(split([UInt8](repeating: 0x41, count: 100) + [0x0A], readsOf: 30, limit: 100).ok)
    }
}
