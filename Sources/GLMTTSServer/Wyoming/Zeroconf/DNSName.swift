/// A DNS name (RFC 1035 §3.1) as its labels, compared without regard to ASCII case, the way
/// mDNS compares names. Read with compression pointers followed (bounded, so a hostile
/// packet cannot loop or run past its end); written without compression.
struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, raw bytes (an instance name may hold spaces and UTF-8).
    let labels: [[UInt8]]

    /// The longest name on the wire, in bytes (RFC 1035 §2.3.4).
    static let maxLength = 255
    /// The longest label, in bytes.
    static let maxLabelLength = 63

    init(labels: [[UInt8]]) {
        self.labels = labels
    }

    /// A name from its labels as text (`["GLM-TTS", "_wyoming", "_tcp", "local"]`).
    init(_ labels: String...) {
        self.labels = labels.map { Array($0.utf8) }
    }

    /// This name under `parent`: `DNSName("host") + DNSName("local")`.
    static func + (name: DNSName, parent: DNSName) -> DNSName {
        DNSName(labels: name.labels + parent.labels)
    }

    var description: String {
        labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".") + "."
    }

    static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.labels.count == rhs.labels.count
            && zip(lhs.labels, rhs.labels).allSatisfy { $0.count == $1.count && zip($0, $1).allSatisfy { folded($0) == folded($1) } }
    }

    func hash(into hasher: inout Hasher) {
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.folded(byte)) }
        }
    }

    /// The byte with ASCII upper case made lower.
    private static func folded(_ byte: UInt8) -> UInt8 {
        (65...90).contains(byte) ? byte + 32 : byte
    }

    /// Appends the name in wire form (length-prefixed labels, then a zero byte).
    func write(into bytes: inout [UInt8]) {
        for label in labels {
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
    }

    /// Reads a name at `offset` in `packet` and moves `offset` past it (past the first
    /// pointer, when the name ends in one). Throws `DNSMessageError` for a name that runs
    /// past the packet, is too long, uses a reserved label type, or points forward or at
    /// itself (every pointer must go strictly backwards, so reading always ends).
    static func read(from packet: [UInt8], at offset: inout Int) throws -> DNSName {
        var labels: [[UInt8]] = []
        var length = 1
        var position = offset
        var resumeAt: Int?
        var lowestPointerTarget = offset
        while true {
            guard position < packet.count else { throw DNSMessageError.truncated }
            let byte = packet[position]
            switch byte & 0xC0 {
            case 0x00:
                let count = Int(byte)
                if count == 0 {
                    offset = resumeAt ?? position + 1
                    return DNSName(labels: labels)
                }
                guard position + 1 + count <= packet.count else { throw DNSMessageError.truncated }
                length += count + 1
                guard length <= maxLength else { throw DNSMessageError.nameTooLong }
                labels.append(Array(packet[(position + 1)..<(position + 1 + count)]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < packet.count else { throw DNSMessageError.truncated }
                let target = Int(byte & 0x3F) << 8 | Int(packet[position + 1])
                guard target < lowestPointerTarget else { throw DNSMessageError.badPointer }
                if resumeAt == nil { resumeAt = position + 2 }
                lowestPointerTarget = target
                position = target
            default:
                throw DNSMessageError.badLabel
            }
        }
    }
}
