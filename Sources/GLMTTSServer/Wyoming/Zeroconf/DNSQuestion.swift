/// One question of a DNS query: a name and a record type, and (mDNS) whether the asker
/// would take a unicast answer (the top bit of the class, RFC 6762 §5.4).
struct DNSQuestion: Equatable, Sendable {
    let name: DNSName
    let type: DNSRecordType
    let wantsUnicast: Bool

    init(name: DNSName, type: DNSRecordType, wantsUnicast: Bool = false) {
        self.name = name
        self.type = type
        self.wantsUnicast = wantsUnicast
    }

    /// Appends the question in wire form (class IN).
    func write(into bytes: inout [UInt8]) {
        name.write(into: &bytes)
        bytes.appendBigEndian(type.rawValue)
        bytes.appendBigEndian(wantsUnicast ? 0x8001 : 0x0001)
    }
}
