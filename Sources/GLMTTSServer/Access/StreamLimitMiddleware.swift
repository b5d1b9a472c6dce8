import GLMTTSEngine
import HTTPTypes
import OpenAPIRuntime

/// Streaming operations (`streamingOperations`) hold one of their client's stream slots
/// (`GLMTTS_MAX_STREAMS_PER_CLIENT`) until their response body ends, not just until the
/// handler returns; a client with every slot taken gets `429 stream.limit`.
struct StreamLimitMiddleware: ServerMiddleware {
    let streams: StreamSlots
    let cap: Int
    let metrics: ServiceMetrics

    /// Operations whose response is a stream that outlives the handler.
    static let streamingOperations: Set<String> = ["streamJobProgress", "openAICreateSpeech", "streamModelPull"]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard Self.streamingOperations.contains(operationID) else { return try await next(request, body, metadata) }
        guard let slot = streams.acquire(RequestInfo.current.clientKey, cap: cap) else {
            metrics.limited(reason: "streams")
            throw HTTPProblem(
                code: ProblemCode.streamLimit, title: "Too many requests", status: 429,
                detail: "This client already has \(cap) streams open (progress or streamed speech); close one, or wait for one to end.",
                retryAfter: 1)
        }
        do {
            let (response, responseBody) = try await next(request, body, metadata)
            // The stream counts until its body ends; no body, nothing to count.
            guard let responseBody else {
                slot.release()
                return (response, nil)
            }
            return (response, SlotReleasingBody.wrap(responseBody, releasing: slot))
        } catch {
            slot.release()
            throw error
        }
    }
}
