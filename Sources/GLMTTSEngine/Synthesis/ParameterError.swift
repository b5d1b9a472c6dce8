/// A synthesis parameter the caller supplied cannot be used.
public enum ParameterError: GLMTTSError, Equatable {
    /// The value lies outside the documented range.
    case outOfRange(parameter: SynthesisParameter, value: String, range: String)
    /// The value could not be parsed (CLI `--param name=value`).
    case malformed(String)
    /// The client demanded a clone but the engine cannot clone.
    case cloningUnsupported(engine: String)

    public var code: String {
        switch self {
        case .outOfRange: return ProblemCode.parameterOutOfRange
        case .malformed: return ProblemCode.parameterMalformed
        case .cloningUnsupported: return ProblemCode.parameterCloningUnsupported
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .outOfRange, .malformed: return .invalidInput
        case .cloningUnsupported: return .unavailable
        }
    }

    public var message: String {
        switch self {
        case let .outOfRange(parameter, value, range):
            return "\(parameter.rawValue) = \(value) is out of range; use a value in \(range)."
        case let .malformed(detail):
            return detail
        case let .cloningUnsupported(engine):
            return
                "The voice '\(engine)' cannot clone a reference voice; choose a cloning model (see `glmtts models list`) or drop require_clone."
        }
    }
}
