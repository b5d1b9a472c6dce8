/// An IPv4 address as four bytes, parsed from and written as dotted decimal.
struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// The address of four bytes (more are ignored; fewer are padded with zeros).
    init(bytes: [UInt8]) {
        self.bytes = Array((bytes + [0, 0, 0, 0]).prefix(4))
    }

    /// Parses `192.168.1.20`; nil for anything else (names, IPv6, out-of-range parts).
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        self.init(bytes: bytes)
    }

    var description: String { bytes.map(String.init).joined(separator: ".") }

    /// Whether `other` is on the same subnet as this address under `netmask`.
    func sharesSubnet(with other: IPv4Address, netmask: IPv4Address) -> Bool {
        zip(zip(bytes, other.bytes), netmask.bytes).allSatisfy { pair, mask in pair.0 & mask == pair.1 & mask }
    }
}
