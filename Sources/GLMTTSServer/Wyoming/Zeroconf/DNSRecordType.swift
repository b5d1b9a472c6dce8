/// The record types the mDNS responder answers or reads (RFC 1035, RFC 2782, RFC 6763);
/// any other type is kept by number and never answered.
struct DNSRecordType: RawRepresentable, Hashable, Sendable {
    let rawValue: UInt16

    init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    static let a = DNSRecordType(rawValue: 1)
    static let ptr = DNSRecordType(rawValue: 12)
    static let txt = DNSRecordType(rawValue: 16)
    static let aaaa = DNSRecordType(rawValue: 28)
    static let srv = DNSRecordType(rawValue: 33)
    static let any = DNSRecordType(rawValue: 255)

    /// Whether a question of this type asks for records of `type`.
    func matches(_ type: DNSRecordType) -> Bool {
        self == .any || self == type
    }
}
