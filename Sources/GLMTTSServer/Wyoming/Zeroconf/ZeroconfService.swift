import Foundation

/// What one Wyoming server announces over mDNS (DNS-SD, RFC 6763), the way Home Assistant
/// discovers Wyoming servers: `<instance>._wyoming._tcp.local.` pointing (SRV) at
/// `<host>.local.` and the port, that host's IPv4 address (A), an empty TXT record, and the
/// service type in the DNS-SD service list. Answers questions about these names and tells
/// a record of someone else's that claims one of our unique names (a conflict).
struct ZeroconfService: Equatable, Sendable {
    /// The instance name people see ("GLM-TTS kitchen"): one DNS label.
    let instanceName: String
    /// The first label of our host name (`glmtts-<hostname>`), distinct from the machine's
    /// own `<hostname>.local` so that its responder (Avahi) and ours never collide.
    let hostLabel: String
    let address: IPv4Address
    let port: UInt16

    static let serviceType = DNSName("_wyoming", "_tcp", "local")
    static let serviceList = DNSName("_services", "_dns-sd", "_udp", "local")
    /// Times to live (RFC 6762 §10): records naming a host 120 s, the rest 75 minutes.
    static let hostRecordTTL: UInt32 = 120
    static let otherRecordTTL: UInt32 = 4500

    var instance: DNSName { DNSName(labels: [Array(instanceName.utf8)]) + Self.serviceType }
    var host: DNSName { DNSName(hostLabel, "local") }

    var pointerRecord: DNSRecord {
        DNSRecord(name: Self.serviceType, data: .pointer(instance), ttl: Self.otherRecordTTL, unique: false)
    }
    var serviceRecord: DNSRecord {
        DNSRecord(
            name: instance, data: .service(priority: 0, weight: 0, port: port, target: host), ttl: Self.hostRecordTTL, unique: true)
    }
    var textRecord: DNSRecord { DNSRecord(name: instance, data: .text([]), ttl: Self.otherRecordTTL, unique: true) }
    var addressRecord: DNSRecord { DNSRecord(name: host, data: .address(address), ttl: Self.hostRecordTTL, unique: true) }
    var serviceListRecord: DNSRecord {
        DNSRecord(name: Self.serviceList, data: .pointer(Self.serviceType), ttl: Self.otherRecordTTL, unique: false)
    }

    /// Every record, in announcement order.
    var records: [DNSRecord] { [pointerRecord, serviceRecord, textRecord, addressRecord, serviceListRecord] }
    /// Every record with a time to live of 0: browsers drop them at once (RFC 6762 §10.1).
    var goodbyeRecords: [DNSRecord] { records.map { $0.with(ttl: 0) } }
    /// The records only we may hold (what a probe proposes).
    var uniqueRecords: [DNSRecord] { [serviceRecord, textRecord, addressRecord] }

    /// The records answering `question`, and the additional records that save the asker its
    /// next questions (RFC 6763 §12): SRV, TXT and A after a PTR, A after an SRV.
    func answers(to question: DNSQuestion) -> (answers: [DNSRecord], additionals: [DNSRecord]) {
        let answers = records.filter { $0.name == question.name && question.type.matches($0.type) }
        var additionals: [DNSRecord] = []
        if answers.contains(pointerRecord) { additionals += [serviceRecord, textRecord, addressRecord] }
        if answers.contains(serviceRecord) { additionals.append(addressRecord) }
        return (answers, additionals.filter { !answers.contains($0) })
    }

    /// Whether `record` (received from the network) claims one of our unique names with other
    /// data: another responder owns the name, and ours must change. Our own records, which
    /// multicast brings back to us, are no conflict.
    func isConflict(_ record: DNSMessage.Record) -> Bool {
        uniqueRecords.contains { ours in
            ours.name == record.name && ours.type == record.type && record.data != nil && record.data != ours.data
        }
    }

    /// The service renamed after a conflict: "name (2)" and host "label-2" for the second
    /// try, and so on (RFC 6762 §9), shortened to fit one label.
    func renamed(attempt: Int) -> ZeroconfService {
        ZeroconfService(
            instanceName: Self.fit(Self.baseName(instanceName), suffix: " (\(attempt))"),
            hostLabel: Self.fit(Self.baseHost(hostLabel), suffix: "-\(attempt)"), address: address, port: port)
    }

    /// `name` without a " (N)" suffix of an earlier rename.
    private static func baseName(_ name: String) -> String {
        guard name.hasSuffix(")"), let open = name.lastIndex(of: "("), name[..<open].hasSuffix(" "),
            Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) != nil
        else { return name }
        return String(name[..<name.index(before: open)])
    }

    /// `label` without a "-N" suffix of an earlier rename.
    private static func baseHost(_ label: String) -> String {
        guard let dash = label.lastIndex(of: "-"), Int(label[label.index(after: dash)...]) != nil else { return label }
        return String(label[..<dash])
    }

    /// `base` + `suffix`, with `base` cut (by whole characters) so the result fits one label.
    private static func fit(_ base: String, suffix: String) -> String {
        var base = base
        while base.utf8.count + suffix.utf8.count > DNSName.maxLabelLength { base.removeLast() }
        return base + suffix
    }

    /// Host label from the machine's host name: lower-case letters, digits and hyphens,
    /// prefixed `glmtts-`.
    static func hostLabel(fromHostName hostName: String) -> String {
        let cleaned =
            hostName.split(separator: ".").first.map { part in
                String(part.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
            } ?? ""
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return fit("glmtts" + (trimmed.isEmpty ? "" : "-" + trimmed), suffix: "")
    }

    /// Why `name` cannot be an instance name, or nil when it can: 1–63 bytes of UTF-8,
    /// no control characters and no dots (which many browsers mishandle).
    static func problem(withInstanceName name: String) -> String? {
        if name.isEmpty || name.utf8.count > DNSName.maxLabelLength { return "a name of 1 to 63 bytes (UTF-8)" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "." }) {
            return "a name without dots or control characters"
        }
        return nil
    }
}
