import GLMTTSEngine
import GLMTTSService
import MCP

/// The tools the MCP server offers, their descriptions and input schemas (JSON Schema, as
/// MCP clients show them to a model) and the API-key scope each needs.
enum MCPTool: String, CaseIterable, Sendable {
    case synthesize
    case transcribe
    case listVoices = "list_voices"
    case listModels = "list_models"
    case jobStatus = "job_status"

    /// The scope a key needs to call the tool (over HTTP; stdio runs as its local user).
    var requiredScope: APIKeyScope {
        switch self {
        case .synthesize, .transcribe: return .synthesize
        case .listVoices, .listModels, .jobStatus: return .read
        }
    }

    /// The names of the tool's arguments (any other name is refused).
    var argumentNames: Set<String> {
        guard case let .object(schema) = inputSchema, case let .object(properties)? = schema["properties"] else { return [] }
        return Set(properties.keys)
    }

    /// The tool as `tools/list` describes it.
    var definition: Tool {
        Tool(
            name: rawValue, title: title, description: summary, inputSchema: inputSchema,
            annotations: .init(
                title: title, readOnlyHint: requiredScope == .read, destructiveHint: false, idempotentHint: requiredScope == .read,
                openWorldHint: false))
    }

    private var title: String {
        switch self {
        case .synthesize: return "Speak text"
        case .transcribe: return "Transcribe audio"
        case .listVoices: return "List saved voices"
        case .listModels: return "List installed models"
        case .jobStatus: return "Job status"
        }
    }

    private var summary: String {
        switch self {
        case .synthesize:
            return
                "Speaks `text` (Chinese, English, Japanese and more) and returns the audio, a resource link to it (glmtts://jobs/<id>/audio) and the job's URLs. Choose a saved voice with `voice_id` (see list_voices) or an installed model with `model` (see list_models); by default the voice is picked from the text's language."
        case .transcribe:
            return
                "Transcribes speech to text with the installed recognizer. Give the audio as base64 in `audio` (WAV, MP3, FLAC, Ogg…), or as `file`: the name of a file inside the folder the server's operator configured (GLMTTS_MCP_FILES_DIR); no other path can be read."
        case .listVoices:
            return "Lists the saved voices (cloned from reference clips) this caller may use, with their ids for synthesize's `voice_id`."
        case .listModels:
            return
                "Lists the installed speech models (synthesizers and recognizers) with their languages and parameters, and the default voice per language."
        case .jobStatus:
            return "Reports a job's status, progress, timings and result by its id (as returned by synthesize or transcribe)."
        }
    }

    private var inputSchema: Value {
        func object(_ properties: [String: Value], required: [String]) -> Value {
            .object([
                "type": "object", "properties": .object(properties), "required": .array(required.map(Value.string)),
                "additionalProperties": false,
            ])
        }
        func string(_ description: String, maxLength: Int? = nil, values: [String]? = nil) -> Value {
            var schema: [String: Value] = ["type": "string", "description": .string(description)]
            if let maxLength { schema["maxLength"] = .int(maxLength) }
            if let values { schema["enum"] = .array(values.map(Value.string)) }
            return .object(schema)
        }
        func number(_ description: String, minimum: Double, maximum: Double) -> Value {
            .object(["type": "number", "description": .string(description), "minimum": .double(minimum), "maximum": .double(maximum)])
        }
        switch self {
        case .synthesize:
            return object(
                [
                    "text": string("The text to speak."),
                    "voice_id": string("A saved voice's id (list_voices)."),
                    "model": string("An installed synthesizer's id (list_models)."),
                    "language": string("The text's language, such as zh, en or ja (default: detected)."),
                    "format": string("The audio format (default mp3).", values: OutputFormat.allCases.map(\.rawValue)),
                    "speed": number(
                        "Speaking rate; 1 is normal.", minimum: SynthesisParameters.speedRange.lowerBound,
                        maximum: SynthesisParameters.speedRange.upperBound),
                    "seed": .object(["type": "integer", "description": "Random seed, for a repeatable take."]),
                ], required: ["text"])
        case .transcribe:
            return object(
                [
                    "audio": string("The audio, base64-encoded (or a data: URL)."),
                    "file": string("A file name inside the server's MCP folder (GLMTTS_MCP_FILES_DIR).", maxLength: 255),
                    "language": string("The language spoken, such as zh, en or ja (default: detected)."),
                ], required: [])
        case .listVoices, .listModels:
            return object([:], required: [])
        case .jobStatus:
            return object(["job_id": string("The job's id.", maxLength: 64)], required: ["job_id"])
        }
    }
}
