import HTTPTypes

/// Which credential an operation needs, from this server's settings: the one decision the
/// access middlewares share.
///
/// Public operations need nothing. `/metrics` needs nothing from the addresses in
/// `GLMTTS_METRICS_ALLOW` (not through a proxy: a forwarded scrape needs an admin key).
/// Otherwise a key is needed when keys are required — and in open mode too when the request
/// came through a proxy (forwarding headers): to the server it looks local, but its sender
/// is not. What is left is open mode, where `OpenModeRequestGuard` keeps browsers out.
struct AccessPolicy: Sendable {
    /// What a request must show.
    enum Requirement: Equatable {
        /// Nothing: a public operation (health, readiness, the contract).
        case none
        /// Nothing: a metrics scrape from an allowed address.
        case allowListed
        /// An API key; `becauseForwarded` when keys are asked for only because of a proxy.
        case key(becauseForwarded: Bool)
        /// Nothing, but the open-mode guard must pass.
        case openMode
    }

    /// Whether the server requires API keys.
    let requiresKeys: Bool
    /// Addresses that may read `/metrics` without a key.
    let metricsAllowedAddresses: [String]

    init(configuration: ServerConfiguration) {
        requiresKeys = configuration.requiresKeys
        metricsAllowedAddresses = configuration.metricsAllowedAddresses
    }

    /// What `request` for `operationID`, from `clientAddress`, must show.
    func requirement(for operationID: String, _ request: HTTPRequest, clientAddress: String) -> Requirement {
        guard OperationScopes.required(for: operationID) != nil else { return .none }
        let forwarded = OpenModeRequestGuard.isForwarded(request)
        if operationID == "getMetrics" && !forwarded && metricsAllowedAddresses.contains(clientAddress) { return .allowListed }
        if requiresKeys || forwarded { return .key(becauseForwarded: !requiresKeys) }
        return .openMode
    }
}
