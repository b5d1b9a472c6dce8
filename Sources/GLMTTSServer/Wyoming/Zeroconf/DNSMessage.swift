/// A DNS message as mDNS uses it (RFC 6762 §18): read from received packets (every count
/// and length checked against the packet; anything odd throws `DNSMessageError` and the
/// packet is ignored) and written for our answers, announcements and probes.
struct DNSMessage: Sendable {
    /// A record read from a packet: its name, type and time to live, and its data when it is
    /// of a type we announce (nil for others).
    struct Record: Sendable {
        let name: DNSName
        let type: DNSRecordType
        let ttl: UInt32
        let data: DNSRecord.Data?
        /// Whether it came in the authority section (a probe's proposed records).
        let isAuthority: Bool
    }

    let id: UInt16
    let isResponse: Bool
    /// 0 for a standard query; mDNS ignores every other opcode.
    let opcode: UInt8
    let questions: [DNSQuestion]
    /// Answer, authority and additional records, in order.
    let records: [Record]

    /// Reads a packet.
    static func parse(_ packet: [UInt8]) throws -> DNSMessage {
        guard packet.count >= 12 else { throw DNSMessageError.truncated }
        func word(_ at: Int) -> Int { Int(packet[at]) << 8 | Int(packet[at + 1]) }
        let counts = (word(4), word(6), word(8), word(10))
        // The smallest question is 5 bytes and the smallest record 11: larger counts cannot
        // fit, and are refused before anything is allocated for them.
        guard counts.0 * 5 + (counts.1 + counts.2 + counts.3) * 11 <= packet.count - 12 else {
            throw DNSMessageError.tooManyEntries
        }
        var offset = 12
        var questions: [DNSQuestion] = []
        for _ in 0..<counts.0 {
            let name = try DNSName.read(from: packet, at: &offset)
            guard offset + 4 <= packet.count else { throw DNSMessageError.truncated }
            questions.append(
                DNSQuestion(
                    name: name, type: DNSRecordType(rawValue: UInt16(word(offset))), wantsUnicast: packet[offset + 2] & 0x80 != 0))
            offset += 4
        }
        var records: [Record] = []
        for index in 0..<(counts.1 + counts.2 + counts.3) {
            let name = try DNSName.read(from: packet, at: &offset)
            guard offset + 10 <= packet.count else { throw DNSMessageError.truncated }
            let type = DNSRecordType(rawValue: UInt16(word(offset)))
            let ttl = UInt32(word(offset + 4)) << 16 | UInt32(word(offset + 6))
            let length = word(offset + 8)
            offset += 10
            guard offset + length <= packet.count else { throw DNSMessageError.truncated }
            let data = try recordData(type: type, in: packet, at: offset, length: length)
            records.append(
                Record(
                    name: name, type: type, ttl: ttl, data: data,
                    isAuthority: index >= counts.1 && index < counts.1 + counts.2))
            offset += length
        }
        return DNSMessage(
            id: UInt16(word(0)), isResponse: packet[2] & 0x80 != 0, opcode: (packet[2] >> 3) & 0x0F, questions: questions,
            records: records)
    }

    /// The data of a record of a type we announce; names inside it may point back into the
    /// packet, so they are read in its context.
    private static func recordData(type: DNSRecordType, in packet: [UInt8], at start: Int, length: Int) throws -> DNSRecord.Data? {
        let end = start + length
        var offset = start
        switch type {
        case .a:
            guard length == 4 else { throw DNSMessageError.truncated }
            return .address(IPv4Address(bytes: Array(packet[start..<end])))
        case .ptr:
            let target = try DNSName.read(from: packet, at: &offset)
            guard offset <= end else { throw DNSMessageError.truncated }
            return .pointer(target)
        case .srv:
            guard length >= 7 else { throw DNSMessageError.truncated }
            func word(_ at: Int) -> UInt16 { UInt16(packet[at]) << 8 | UInt16(packet[at + 1]) }
            offset += 6
            let target = try DNSName.read(from: packet, at: &offset)
            guard offset <= end else { throw DNSMessageError.truncated }
            return .service(priority: word(start), weight: word(start + 2), port: word(start + 4), target: target)
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(packet[offset])
                guard offset + 1 + count <= end else { throw DNSMessageError.truncated }
                strings.append(Array(packet[(offset + 1)..<(offset + 1 + count)]))
                offset += 1 + count
            }
            return .text(strings == [[]] ? [] : strings)
        default:
            return nil
        }
    }

    /// A response packet (RFC 6762 §18: authoritative, id 0 unless it answers a legacy
    /// unicast query, whose id and questions it repeats).
    static func response(id: UInt16 = 0, questions: [DNSQuestion] = [], answers: [DNSRecord], additionals: [DNSRecord] = [])
        -> [UInt8]
    {
        var bytes = header(id, 0x8400, UInt16(questions.count), UInt16(answers.count), 0, UInt16(additionals.count))
        for question in questions { question.write(into: &bytes) }
        for record in answers + additionals { record.write(into: &bytes) }
        return bytes
    }

    /// A probe (RFC 6762 §8.1): questions of type ANY for the names we want, with the
    /// records we propose in the authority section. It asks for multicast answers (no QU
    /// bit): a unicast answer to port 5353 reaches only one of the sockets sharing it on
    /// this host, which need not be ours.
    static func probe(names: [DNSName], proposing records: [DNSRecord]) -> [UInt8] {
        var bytes = header(0, 0, UInt16(names.count), 0, UInt16(records.count), 0)
        for name in names { DNSQuestion(name: name, type: .any).write(into: &bytes) }
        for record in records { record.write(into: &bytes) }
        return bytes
    }

    /// The 12-byte header: id, flags, then the question, answer, authority and additional counts.
    private static func header(_ words: UInt16...) -> [UInt8] {
        var bytes: [UInt8] = []
        for word in words { bytes.appendBigEndian(word) }
        return bytes
    }
}
