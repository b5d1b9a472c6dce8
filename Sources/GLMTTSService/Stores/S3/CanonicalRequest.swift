/// A request in SigV4's canonical form: method, path, sorted encoded query, sorted
/// lower-case headers with trimmed values, the signed header names and the payload hash,
/// one per line.
struct CanonicalRequest: Sendable {
    /// The canonical text that is hashed into the string to sign.
    let text: String
    /// The signed headers' lower-case names, sorted, joined by `;`.
    let signedHeaderNames: String

    /// `path` is sent as is (already encoded); `query` names and values are encoded here.
    init(method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String) {
        let encoded: [(name: String, value: String)] = query.map { (SigV4Signer.encode($0.0), SigV4Signer.encode($0.1)) }
        let sorted = encoded.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        let canonicalQuery = sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        // Same-named headers are joined by commas; values trimmed, inner runs of spaces collapsed.
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            values[name.lowercased(), default: []].append(collapsed)
        }
        let names = values.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        signedHeaderNames = names.joined(separator: ";")
        text = [method, path.isEmpty ? "/" : path, canonicalQuery, canonicalHeaders, signedHeaderNames, payloadHash]
            .joined(separator: "\n")
    }
}
