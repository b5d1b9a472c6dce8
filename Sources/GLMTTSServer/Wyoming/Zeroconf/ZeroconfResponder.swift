import NIOConcurrencyHelpers
import NIOCore

/// The packet side of the mDNS announcement: what to send for each received packet, given
/// whether our names are still being probed or already announced. Sockets and timing are
/// `ZeroconfAnnouncer`'s; this type only reads packets and makes replies, so every rule is
/// testable without a network.
///
/// Rules (RFC 6762): a response that claims one of our unique names with other data is a
/// conflict (the announcer renames and probes again). A query is answered only once our
/// names are announced: by multicast to the group when it came from port 5353, at most
/// once a second per record unless it is a probe for our names (which we defend at once),
/// and leaving out what the asker says it already knows (known answers with at least half
/// their time to live); a query from another port (a "legacy" resolver such as
/// `dig -p 5353`) gets a unicast reply with its id and questions, short TTLs and no
/// cache-flush bits, and only when it comes from our subnet or this host. Packets that do
/// not parse, other opcodes and questions about other names are ignored.
final class ZeroconfResponder: Sendable {
    /// Where a reply goes and what it holds.
    struct Reply: Equatable {
        let bytes: [UInt8]
        let destination: SocketAddress
    }

    private struct State {
        var service: ZeroconfService
        var announced = false
        var conflict = false
        /// When each of our records was last multicast (as its name and type).
        var lastMulticast: [String: ContinuousClock.Instant] = [:]
    }

    static let group = try! SocketAddress(ipAddress: "224.0.0.251", port: 5353)
    private let state: NIOLockedValueBox<State>
    private let interface: (address: IPv4Address, netmask: IPv4Address)

    init(service: ZeroconfService, address: IPv4Address, netmask: IPv4Address) {
        state = NIOLockedValueBox(State(service: service))
        interface = (address, netmask)
    }

    /// The service as it stands (renamed after conflicts).
    var service: ZeroconfService { state.withLockedValue { $0.service } }

    /// Starts probing `service`: its names are not answered for until `markAnnounced`.
    func startProbing(_ service: ZeroconfService) {
        state.withLockedValue { $0 = State(service: service) }
    }

    /// Our names are ours: queries about them are answered from now on.
    func markAnnounced() {
        state.withLockedValue { $0.announced = true }
    }

    /// Whether a conflict was seen since the last call (and forgets it).
    func takeConflict() -> Bool {
        state.withLockedValue { state in
            defer { state.conflict = false }
            return state.conflict
        }
    }

    /// What to send for `packet`, received from `source`.
    func replies(to packet: [UInt8], from source: SocketAddress, now: ContinuousClock.Instant = .now) -> [Reply] {
        guard let message = try? DNSMessage.parse(packet), message.opcode == 0 else { return [] }
        return state.withLockedValue { state in
            if message.isResponse {
                if message.records.contains(where: state.service.isConflict) { state.conflict = true }
                return []
            }
            guard state.announced else { return [] }
            return reply(to: message, from: source, state: &state, now: now).map { [$0] } ?? []
        }
    }

    private func reply(to query: DNSMessage, from source: SocketAddress, state: inout State, now: ContinuousClock.Instant) -> Reply? {
        var answers: [DNSRecord] = []
        var additionals: [DNSRecord] = []
        var asked: [DNSQuestion] = []
        for question in query.questions {
            let found = state.service.answers(to: question)
            if !found.answers.isEmpty { asked.append(question) }
            answers += found.answers.filter { !answers.contains($0) }
            additionals += found.additionals.filter { !additionals.contains($0) }
        }
        let known = query.records.filter { !$0.isAuthority }
        answers.removeAll { ours in
            known.contains { $0.name == ours.name && $0.type == ours.type && $0.data == ours.data && $0.ttl >= ours.ttl / 2 }
        }
        additionals.removeAll { answers.contains($0) }
        guard !answers.isEmpty else { return nil }

        guard source.port == 5353 else {
            guard isLocal(source) else { return nil }
            let short = { (record: DNSRecord) in DNSRecord(name: record.name, data: record.data, ttl: min(record.ttl, 10), unique: false) }
            return Reply(
                bytes: DNSMessage.response(
                    id: query.id, questions: asked, answers: answers.map(short), additionals: additionals.map(short)),
                destination: source)
        }
        let defending = query.records.contains { $0.isAuthority && state.service.uniqueRecords.map(\.name).contains($0.name) }
        if !defending {
            answers.removeAll { record in
                state.lastMulticast[key(record)].map { now - $0 < .seconds(1) } ?? false
            }
            guard !answers.isEmpty else { return nil }
        }
        for record in answers + additionals { state.lastMulticast[key(record)] = now }
        return Reply(bytes: DNSMessage.response(answers: answers, additionals: additionals), destination: Self.group)
    }

    /// Notes that `records` were just multicast (an announcement), for the once-a-second rule.
    func noteMulticast(_ records: [DNSRecord], now: ContinuousClock.Instant = .now) {
        state.withLockedValue { state in
            for record in records { state.lastMulticast[key(record)] = now }
        }
    }

    private func key(_ record: DNSRecord) -> String { "\(record.name)|\(record.type.rawValue)" }

    /// Whether `source` is this host or on our interface's subnet.
    private func isLocal(_ source: SocketAddress) -> Bool {
        guard case .v4 = source, let text = source.ipAddress, let address = IPv4Address(text) else { return false }
        return address.bytes[0] == 127 || address.sharesSubnet(with: interface.address, netmask: interface.netmask)
    }
}
