import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Announces the Wyoming server on the local network over multicast DNS
/// (`GLMTTS_WYOMING_ZEROCONF`, off by default), so that Home Assistant discovers it the way
/// it discovers wyoming-piper: a `_wyoming._tcp.local.` service of the given instance name.
///
/// It shares UDP port 5353 with any other responder on the host (SO_REUSEADDR and
/// SO_REUSEPORT, as Avahi and python-zeroconf do), joins 224.0.0.251 on the chosen
/// interface (`ZeroconfInterface`), probes its names three times 250 ms apart (RFC 6762
/// §8.1), renaming itself "name (2)", "name (3)"… when another responder holds them,
/// announces twice a second apart, answers queries (`ZeroconfResponder`) and, at graceful
/// shutdown, says goodbye (the records with a time to live of 0) so browsers drop it at
/// once. IPv4 only (an A record); Home Assistant connects over IPv4.
///
/// A failure to announce (port 5353 held exclusively by another program, no multicast
/// interface) is logged as an error and Wyoming goes on serving: it is still reachable by
/// host and port.
struct ZeroconfAnnouncer: Sendable {
    /// The instance name to announce.
    let instanceName: String
    /// The address the Wyoming server is bound to (chooses the interface).
    let bindHost: String
    let logger: Logger

    /// Renames tried before giving up (a responder answering for every name would
    /// otherwise keep us probing).
    static let maxAttempts = 15

    /// Announces the Wyoming server listening on `port` until graceful shutdown; never
    /// throws.
    func run(port: Int) async {
        do {
            try await announce(port: port)
        } catch is CancellationError {
        } catch {
            logger.error(
                "could not announce the Wyoming server over mDNS (GLMTTS_WYOMING_ZEROCONF); it still serves, add it in Home Assistant by host and port",
                metadata: ["error": "\(error)"])
        }
    }

    private func announce(port: Int) async throws {
        let interface = try ZeroconfInterface.find(bindHost: bindHost)
        let service = ZeroconfService(
            instanceName: instanceName, hostLabel: ZeroconfService.hostLabel(fromHostName: ProcessInfo.processInfo.hostName),
            address: interface.address, port: UInt16(port))
        let responder = ZeroconfResponder(service: service, address: interface.address, netmask: interface.netmask)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 9000))
            .bind(host: "0.0.0.0", port: 5353) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        try await configureMulticast(channel.channel, interface: interface)
        try await channel.executeThenClose { inbound, outbound in
            let send: @Sendable ([UInt8], SocketAddress) async throws -> Void = { bytes, destination in
                try await outbound.write(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: bytes)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await envelope in inbound {
                        let packet = Array(envelope.data.readableBytesView)
                        for reply in responder.replies(to: packet, from: envelope.remoteAddress) {
                            try await send(reply.bytes, reply.destination)
                        }
                    }
                }
                group.addTask { try await probeAndAnnounce(service, responder: responder, send: send) }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Joins the mDNS group on `interface` and sends from it, with the TTL mDNS requires
    /// (255) and our own packets looped back (other responders on this host hear us).
    private func configureMulticast(_ channel: Channel, interface: ZeroconfInterface) async throws {
        guard let multicast = channel as? MulticastChannel, let options = channel as? SocketOptionProvider else {
            throw ZeroconfInterface.NotFound(description: "this platform's UDP channel does not support multicast")
        }
        try await multicast.joinGroup(ZeroconfResponder.group, device: interface.device).get()
        var source = in_addr()
        _ = inet_pton(AF_INET, interface.address.description, &source)
        try await options.setIPMulticastIF(source).get()
        try await options.setIPMulticastTTL(255).get()
        try await options.setIPMulticastLoop(1).get()
    }

    /// Probes, announces and answers until graceful shutdown (then says goodbye); probes
    /// again under a new name whenever another responder claims ours.
    private func probeAndAnnounce(
        _ first: ZeroconfService, responder: ZeroconfResponder, send: @escaping @Sendable ([UInt8], SocketAddress) async throws -> Void
    ) async throws {
        let stopping = NIOLockedValueBox(false)
        var service = first
        var attempt = 1
        var announced = false
        func renameAfterConflict() throws {
            attempt += 1
            guard attempt <= Self.maxAttempts else {
                throw ZeroconfInterface.NotFound(description: "another responder holds every name tried up to '\(service.instanceName)'")
            }
            let renamed = service.renamed(attempt: attempt)
            logger.warning(
                "another device on the network announces this Wyoming name; trying another",
                metadata: ["name": "\(service.instanceName)", "next": "\(renamed.instanceName)"])
            service = renamed
        }
        try await withGracefulShutdownHandler {
            probing: while !stopping.withLockedValue({ $0 }) {
                responder.startProbing(service)
                announced = false
                for _ in 0..<3 {
                    try await send(
                        DNSMessage.probe(names: [service.instance, service.host], proposing: service.uniqueRecords), ZeroconfResponder.group
                    )
                    try await Task.sleep(for: .milliseconds(250))
                    if responder.takeConflict() {
                        try renameAfterConflict()
                        continue probing
                    }
                }
                responder.markAnnounced()
                announced = true
                for round in 0..<2 {
                    if round > 0 { try await Task.sleep(for: .seconds(1)) }
                    try await send(DNSMessage.response(answers: service.records), ZeroconfResponder.group)
                    responder.noteMulticast(service.records)
                }
                logger.notice(
                    "Wyoming server announced over mDNS",
                    metadata: [
                        "name": "\(service.instanceName)", "service": "\(service.instance)",
                        "address": "\(service.address):\(service.port)",
                    ])
                while !stopping.withLockedValue({ $0 }) {
                    try await Task.sleep(for: .milliseconds(250))
                    if responder.takeConflict() {
                        // Our records under the old name leave caches now, not in 75 minutes.
                        try await send(DNSMessage.response(answers: service.goodbyeRecords), ZeroconfResponder.group)
                        try renameAfterConflict()
                        continue probing
                    }
                }
            }
        } onGracefulShutdown: {
            stopping.withLockedValue { $0 = true }
        }
        if announced {
            try await send(DNSMessage.response(answers: service.goodbyeRecords), ZeroconfResponder.group)
        }
    }
}
