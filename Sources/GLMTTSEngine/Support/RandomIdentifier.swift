/// Random identifiers for jobs, batches and voices: hex digits drawn from the system's
/// cryptographically secure generator (`getrandom` on Linux), so ids cannot be guessed.
public enum RandomIdentifier {
    /// `bytes` random bytes as lowercase hex (twice as many characters).
    public static func hex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` is exactly `bytes` bytes written as lowercase hex.
    public static func isHex(_ text: String, bytes: Int) -> Bool {
        let utf8 = text.utf8
        return utf8.count == bytes * 2 && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
