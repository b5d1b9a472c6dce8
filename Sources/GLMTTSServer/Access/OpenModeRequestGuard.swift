import GLMTTSEngine
import HTTPTypes

/// In open mode no key protects the API, so the only thing between a web page that the
/// local user happens to visit and this server's operations (admin ones included) is the
/// browser. This guard makes the browser's checks count; it refuses with `403`:
///
/// - a request addressed (`Host`) to a name that is not loopback (`localhost`, `127.x.x.x`,
///   `::1`) or the configured bind host: a DNS-rebinding page, whose own name resolves to
///   127.0.0.1, would otherwise be same-origin with the server;
/// - a request with an `Origin` other than the server's own (`http://<Host>`) or one listed
///   in `GLMTTS_CORS_ORIGINS` (`*` does not count here): what a page from another origin
///   sends through the browser, "simple" cross-site POSTs without a preflight included.
///
/// Programs that are not browsers (curl, the OpenAI SDKs) send no `Origin` and a loopback
/// `Host`, and pass. With keys required (`GLMTTS_AUTH=keys`) the guard is not used: a page
/// cannot make a browser send a key it does not have.
struct OpenModeRequestGuard: Sendable {
    /// The address the server is bound to (a name requests may use besides loopback ones).
    let bindHost: String
    /// Origins explicitly allowed by configuration.
    let allowedOrigins: [String]

    /// Throws a `403` problem for a foreign `Host` or `Origin`; see the type's documentation.
    func check(_ request: HTTPRequest) throws {
        let authority = request.authority ?? request.headerFields[HTTPField.Name("Host")!]
        if let authority {
            let host = Self.hostName(of: authority)
            guard Self.isLoopback(host) || host == Self.hostName(of: bindHost) else {
                throw HTTPProblem(
                    code: ProblemCode.authForeignHost, title: "Forbidden", status: 403,
                    detail:
                        "This server runs without API keys (open mode), so it answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]); this one was addressed to '\(Self.shown(host))'. Use http://127.0.0.1 with the server's port, or require keys (GLMTTS_AUTH=keys) to serve other names."
                )
            }
        }
        guard let origin = request.headerFields[.origin] else { return }
        if allowedOrigins.contains(origin) { return }
        if let authority,
            origin.lowercased() == "http://\(authority.lowercased())" || origin.lowercased() == "https://\(authority.lowercased())"
        {
            return
        }
        throw HTTPProblem(
            code: ProblemCode.authForeignOrigin, title: "Forbidden", status: 403,
            detail:
                "This server runs without API keys (open mode), so it refuses requests that a web page from another origin ('\(Self.shown(origin))') makes through a browser. Allow that origin with GLMTTS_CORS_ORIGINS, or require keys (GLMTTS_AUTH=keys)."
        )
    }

    /// Headers that proxies add; a request carrying any of them was relayed for someone
    /// else, so it is not a local request (nginx, Caddy, Traefik, HAProxy and cloud load
    /// balancers all set at least one).
    static let forwardingHeaders: [HTTPField.Name] = [
        HTTPField.Name("X-Forwarded-For")!, HTTPField.Name("Forwarded")!, HTTPField.Name("X-Real-IP")!,
        HTTPField.Name("X-Forwarded-Host")!, HTTPField.Name("X-Forwarded-Proto")!,
    ]

    /// Whether `request` came through a proxy (see `forwardingHeaders`).
    static func isForwarded(_ request: HTTPRequest) -> Bool {
        forwardingHeaders.contains { request.headerFields[$0] != nil }
    }

    /// The host part of an authority (`[::1]:8080` → `::1`, `Localhost.:80` → `localhost`).
    static func hostName(of authority: String) -> String {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix(while: { $0 != "]" })
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            host = host[..<colon]
        }
        while host.hasSuffix(".") { host = host.dropLast() }
        return String(host)
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// A header value as it may appear in a message: printable ASCII, at most 100 characters.
    private static func shown(_ value: String) -> String {
        String(value.unicodeScalars.filter { (0x20..<0x7F).contains($0.value) }.prefix(100).map(Character.init))
    }
}
