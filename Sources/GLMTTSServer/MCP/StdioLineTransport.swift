import Foundation
import Logging
import MCP

#if canImport(Glibc)
    import Glibc
#endif

/// MCP's stdio transport (one JSON-RPC message per line on standard input, answers on
/// standard output) with the limit the HTTP endpoint has: a line longer than
/// `maxLineBytes` is skipped without being held (through its newline) and answered with
/// a JSON-RPC error, so a runaway client cannot make the server buffer without bound.
/// Reading and writing are blocking calls on their own threads, off the cooperative pool.
actor StdioLineTransport: Transport {
    nonisolated let logger = Logger(label: "glmtts.mcp.stdio")
    private let maxLineBytes: Int
    private let input: Int32
    private let output: FileHandle
    private let writes = DispatchQueue(label: "glmtts.mcp.stdio.write")
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var started = false

    /// A transport over `input` and `output` (standard input and output by default).
    init(maxLineBytes: Int, input: Int32 = STDIN_FILENO, output: FileHandle = .standardOutput) {
        self.maxLineBytes = maxLineBytes
        self.input = input
        self.output = output
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    func connect() async throws {
        guard !started else { return }
        started = true
        let (input, limit, continuation) = (self.input, maxLineBytes, self.continuation)
        let thread = Thread { [weak self] in
            Self.readLines(from: input, limit: limit, yield: { continuation.yield($0) }) { skipped in
                Task { await self?.refuseLongLine(skipped) }
            }
            continuation.finish()
        }
        thread.name = "glmtts-mcp-stdin"
        thread.start()
    }

    func disconnect() async { continuation.finish() }

    func send(_ data: Data) async throws {
        var message = data
        message.append(UInt8(ascii: "\n"))
        let line = message
        let output = self.output
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            writes.async {
                do {
                    try output.write(contentsOf: line)
                    done.resume()
                } catch {
                    done.resume(throwing: MCPError.connectionClosed)
                }
            }
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// Answers a line that was too long (its id was not read, so the error's id is null).
    private func refuseLongLine(_ bytes: Int) async {
        let message =
            "The message is \(bytes) bytes, more than this server's \(maxLineBytes) (GLMTTS_MAX_UPLOAD_MB and GLMTTS_MAX_TEXT_CHARS set it); it was skipped (request.too_large)."
        let error: [String: Any] = ["jsonrpc": "2.0", "id": NSNull(), "error": ["code": -32600, "message": message]]
        if let data = try? JSONSerialization.data(withJSONObject: error) { try? await send(data) }
    }

    /// Reads `input` until end of file, giving each non-empty line to `yield` and the size
    /// of each line over `limit` to `tooLong` (that line's bytes are dropped as they come).
    static func readLines(from input: Int32, limit: Int, yield: (Data) -> Void, tooLong: (Int) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var line = Data()
        var skipping = 0  // bytes of an over-long line seen so far; 0 when not skipping
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var start = 0
            while start < count {
                let newline = buffer[start..<count].firstIndex(of: UInt8(ascii: "\n"))
                let end = newline ?? count
                if skipping > 0 {
                    skipping += end - start
                } else {
                    line.append(contentsOf: buffer[start..<end])
                    if line.count > limit {
                        skipping = line.count
                        line = Data()
                    }
                }
                guard newline != nil else { break }
                if skipping > 0 {
                    tooLong(skipping)
                    skipping = 0
                } else if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
                    yield(line)
                }
                line = Data()
                start = end + 1
            }
        }
        if skipping > 0 { tooLong(skipping) } else if !line.isEmpty { yield(line) }
    }
}
