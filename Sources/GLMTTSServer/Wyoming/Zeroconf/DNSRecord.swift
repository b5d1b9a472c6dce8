/// One resource record the responder announces: a name, its data, how long others may
/// cache it, and whether it is unique to us (the mDNS cache-flush bit, RFC 6762 §10.2).
struct DNSRecord: Equatable, Sendable {
    /// The record data of the types we announce.
    enum Data: Equatable, Sendable {
        case pointer(DNSName)
        case service(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
        case text([[UInt8]])
        case address(IPv4Address)
    }

    let name: DNSName
    let data: Data
    let ttl: UInt32
    /// Set for records only this responder owns (SRV, TXT, A); shared PTRs leave it off.
    let unique: Bool

    var type: DNSRecordType {
        switch data {
        case .pointer: return .ptr
        case .service: return .srv
        case .text: return .txt
        case .address: return .a
        }
    }

    /// The same record with another time to live (0 says goodbye: RFC 6762 §10.1).
    func with(ttl: UInt32) -> DNSRecord {
        DNSRecord(name: name, data: data, ttl: ttl, unique: unique)
    }

    /// Appends the record in wire form (class IN).
    func write(into bytes: inout [UInt8]) {
        name.write(into: &bytes)
        bytes.appendBigEndian(type.rawValue)
        bytes.appendBigEndian(unique ? 0x8001 : 0x0001)
        bytes.appendBigEndian(UInt16(ttl >> 16))
        bytes.appendBigEndian(UInt16(ttl & 0xFFFF))
        var rdata: [UInt8] = []
        switch data {
        case let .pointer(target):
            target.write(into: &rdata)
        case let .service(priority, weight, port, target):
            rdata.appendBigEndian(priority)
            rdata.appendBigEndian(weight)
            rdata.appendBigEndian(port)
            target.write(into: &rdata)
        case let .text(strings):
            // An empty TXT record is one empty string (RFC 6763 §6.1).
            for string in strings.isEmpty ? [[]] : strings {
                rdata.append(UInt8(min(string.count, 255)))
                rdata.append(contentsOf: string.prefix(255))
            }
        case let .address(address):
            rdata.append(contentsOf: address.bytes)
        }
        bytes.appendBigEndian(UInt16(rdata.count))
        bytes.append(contentsOf: rdata)
    }
}

extension [UInt8] {
    /// Appends `value` most significant byte first (network order).
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }
}
