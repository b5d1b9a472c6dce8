import GLMTTSEngine
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The Wyoming server (`GLMTTS_WYOMING_PORT`, `glmtts serve --wyoming-port`): a TCP
/// listener beside HTTP, for Home Assistant's Wyoming integration, on the same engines,
/// queue and limits. Each connection is one `WyomingSession`; events are read by
/// `WyomingEventParser` (malformed or oversized ones are answered with `error`, and the
/// connection goes on).
///
/// Wyoming has no authentication, so access is by address: the server binds to
/// `GLMTTS_WYOMING_HOST` (loopback by default) and, when `GLMTTS_WYOMING_ALLOW` lists
/// addresses, answers only those (others get an `error` event and are disconnected).
/// At most `maxConnections` connections are served at once, and one silent for
/// `idleSeconds` (nothing read or written) is closed. Stops with the server: the listener
/// closes and open connections are cancelled (a job they were running is cancelled too).
struct WyomingServer: Service, CustomStringConvertible {
    let handler: APIHandler
    let host: String
    let port: Int
    /// Client addresses served; empty: any that can reach `host`.
    let allowedClients: Set<String>
    /// Announces the server over mDNS once it listens (`GLMTTS_WYOMING_ZEROCONF`); nil: not.
    let announcement: ZeroconfAnnouncer?
    var maxConnections = 64
    var idleSeconds: Int64 = 300
    let logger: Logger
    /// Receives the bound port (useful with port 0).
    var onListening: @Sendable (Int) async -> Void = { _ in }

    private let open = NIOLockedValueBox(0)

    init(
        handler: APIHandler, host: String, port: Int, allowedClients: Set<String>, announcement: ZeroconfAnnouncer? = nil,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.handler = handler
        self.host = host
        self.port = port
        self.allowedClients = allowedClients
        self.announcement = announcement
        self.logger = logger
        self.onListening = onListening
    }

    /// How service-lifecycle logs it (not the whole handler).
    var description: String { "WyomingServer(\(host):\(port))" }

    func run() async throws {
        let idle = TimeAmount.seconds(idleSeconds)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    try channel.pipeline.syncOperations.addHandler(CloseWhenIdleHandler())
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let bound = listener.channel.localAddress?.port ?? port
        logger.notice("Wyoming server listening", metadata: ["address": "tcp://\(host):\(bound)"])
        await onListening(bound)
        try await withThrowingTaskGroup(of: Void.self) { services in
            if let announcement {
                // Runs until graceful shutdown itself, to say goodbye before it returns.
                services.addTask { await announcement.run(port: bound) }
            }
            services.addTask {
                do {
                    try await cancelWhenGracefulShutdown {
                        try await withThrowingDiscardingTaskGroup { group in
                            try await listener.executeThenClose { connections in
                                for try await connection in connections {
                                    group.addTask { await serve(connection) }
                                }
                            }
                        }
                    }
                } catch is CancellationError {
                    // Shutdown: the listener and every connection are closed.
                }
            }
            try await services.waitForAll()
        }
        logger.notice("Wyoming server stopped")
    }

    /// One connection: the address and connection checks, then its session until it closes.
    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        let admitted = open.withLockedValue { count in
            guard count < maxConnections else { return false }
            count += 1
            return true
        }
        defer { if admitted { open.withLockedValue { $0 -= 1 } } }
        try? await connection.executeThenClose { inbound, outbound in
            let send: @Sendable (WyomingEvent) async throws -> Void = { event in
                try await outbound.write(ByteBuffer(bytes: event.encoded()))
            }
            guard allowedClients.isEmpty || allowedClients.contains(peer) else {
                logger.warning("refused a Wyoming client not on GLMTTS_WYOMING_ALLOW", metadata: ["client": "\(peer)"])
                try await refuse(
                    .error(
                        "This address (\(peer)) may not use this Wyoming server; its operator lists the allowed ones in GLMTTS_WYOMING_ALLOW.",
                        code: ProblemCode.wyomingNotAllowed), inbound: inbound, outbound: outbound)
                return
            }
            guard admitted else {
                try await refuse(
                    .error(
                        "The server already serves \(maxConnections) Wyoming connections; try again shortly.", code: ProblemCode.wyomingBusy
                    ),
                    inbound: inbound, outbound: outbound)
                return
            }
            try await converse(inbound: inbound, send: send)
        }
    }

    /// Sends `error`, ends the output (the client reads the error, then the end) and reads
    /// what the client still sends until it closes (at most 5 s): closing with unread input
    /// would reset the connection, and the client could lose the error.
    private func refuse(
        _ error: WyomingEvent, inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        try await outbound.write(ByteBuffer(bytes: error.encoded()))
        outbound.finish()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for try await _ in inbound {} }
            group.addTask { try await Task.sleep(for: .seconds(5)) }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Reads events and answers them in order until the client disconnects. Reading goes on
    /// while an event is answered, so a client that goes away is noticed (its writes fail
    /// and the running job is cancelled) rather than after the job.
    private func converse(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, send: @escaping @Sendable (WyomingEvent) async throws -> Void
    ) async throws {
        let (events, input) = AsyncThrowingStream.makeStream(of: (WyomingEventParser.Output, Int).self, bufferingPolicy: .unbounded)
        // Events read but not answered yet (count, bytes): a client that sends faster than it
        // is answered is cut off at these, so one connection's backlog stays bounded.
        let pending = NIOLockedValueBox((events: 0, bytes: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var parser = WyomingEventParser()
                var counted = 0
                do {
                    for try await bytes in inbound {
                        parser.append(bytes.readableBytesView)
                        while let output = parser.next() {
                            let size = parser.consumedBytes - counted
                            counted = parser.consumedBytes
                            let admitted = pending.withLockedValue { waiting in
                                waiting.events += 1
                                waiting.bytes += size
                                return waiting.events <= Self.maxWaitingEvents && waiting.bytes <= Self.maxWaitingBytes
                            }
                            guard admitted else { throw TooManyWaitingEvents() }
                            input.yield((output, size))
                        }
                    }
                    input.finish()
                } catch {
                    input.finish()
                    throw error  // ends the conversation now, cancelling the event being answered
                }
            }
            group.addTask {
                var session = WyomingSession(handler: handler, send: send)
                for try await (output, size) in events {
                    pending.withLockedValue { waiting in
                        waiting.events -= 1
                        waiting.bytes -= size
                    }
                    switch output {
                    case let .event(event): try await session.handle(event)
                    case let .refused(reason): try await send(.error(reason, code: ProblemCode.requestMalformed))
                    }
                }
            }
            try await group.next()
            try await group.next()
        }
    }

    /// Most events one connection may have waiting to be answered (an LLM's streamed tokens
    /// arrive while a sentence is spoken), and most bytes they may hold.
    static let maxWaitingEvents = 4096
    static let maxWaitingBytes = 16 << 20

    /// A client had more than the limit of events waiting to be answered.
    struct TooManyWaitingEvents: Error {}
}
