package import GLMTTSEngine

/// A setting has a value the server cannot use.
package enum ConfigurationError: GLMTTSError {
    /// `name` is `value`, which is not `expected`.
    case invalid(name: String, value: String, expected: String)
    /// The server refuses to start with this combination of settings.
    case unsafe(reason: String)

    package var code: String {
        switch self {
        case .invalid: return ProblemCode.configInvalid
        case .unsafe: return ProblemCode.configUnsafe
        }
    }

    package var category: ErrorCategory { .invalidInput }

    package var message: String {
        switch self {
        case let .invalid(name, value, expected):
            return "The setting \(name)='\(value)' is not valid: expected \(expected). Fix it and start again."
        case let .unsafe(reason):
            return "The server will not start: \(reason)"
        }
    }
}
