import GLMTTSAPI
import GLMTTSEngine
import GLMTTSService

/// The scope each OpenAPI operation needs; operations not listed need `admin` (so a new
/// operation is closed until it is given a scope here).
enum OperationScopes {
    /// Operations anyone may call: liveness, readiness and the contract.
    static let publicOperations: Set<String> = ["health", "ready", "getOpenAPIYAML", "getOpenAPIJSON"]

    /// Operations that read.
    static let readOperations: Set<String> = [
        "streamJobProgress", "getBatch", "getBatchArchive", "getJob", "getJobAudio", "getJobCaptions", "listVoices", "getVoice",
        "getVoiceAudio", "openAIListModels", "listEngines", "getLimits", "getSystem", "getGPUStatus", "chooseVoice",
        // The MCP endpoint (not an OpenAPI operation): its tools that create work check `synthesize` themselves.
        "mcp",
    ]

    /// Operations that create or delete work.
    static let synthesizeOperations: Set<String> = [
        "createSpeech", "createBatch", "deleteBatch", "deleteJob", "createVoice", "deleteVoice", "transcribeAudio",
        "inspectReference", "openAICreateSpeech", "openAICreateTranscription", "createCaptionedSpeech",
    ]

    /// The scope `operation` needs; nil when it is public.
    static func required(for operation: String) -> APIKeyScope? {
        if publicOperations.contains(operation) { return nil }
        if readOperations.contains(operation) { return .read }
        if synthesizeOperations.contains(operation) { return .synthesize }
        return .admin
    }
}
