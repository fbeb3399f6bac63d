import Foundation
import KeelCore

/// Graceful degradation: when every target of a model failed (a provider's failure, not a
/// request Keel refused), a model with a `fallback_answer` answers with it, in the API's
/// normal shape (a completion, or a stream of chunks), marked `"keel": {"fallback": true}` and
/// by the `x-keel-fallback` header. The failure is still traced as the failure it was.
enum FallbackAnswer {
    static func response(to error: GatewayError, incoming: IncomingRequest, snapshot: GatewaySnapshot) -> GatewayResponse? {
        guard error.isProviderFailure || error.error.code == "circuit_open" else { return nil }
        let body = (try? JSONValue.parse(incoming.body))?.objectValue ?? [:]
        var modelName = body["model"]?.stringValue ?? ""
        if let prompt = error.prompt, let version = snapshot.prompts.version(name: prompt.name, version: prompt.version) {
            modelName = version.definition.model
        }
        guard let text = snapshot.config.model(named: modelName)?.fallbackAnswer else { return nil }
        let id = "chatcmpl-fallback-\(incoming.traceID.value)"
        let created = JSONValue.int(Int64(Date().timeIntervalSince1970))
        let marker: JSONValue = ["fallback": true, "reason": .string(error.error.message)]
        let content: GatewayResponse.Content
        if body["stream"]?.boolValue == true {
            func chunk(_ delta: JSONObject, finish: JSONValue) -> JSONValue {
                [
                    "id": .string(id), "object": "chat.completion.chunk", "created": created, "model": .string(modelName),
                    "choices": [["index": 0, "delta": .object(delta), "finish_reason": finish]], "keel": marker,
                ]
            }
            let chunks = [chunk(["role": "assistant", "content": .string(text)], finish: .null), chunk([:], finish: "stop")]
            content = .stream(
                AsyncThrowingStream { continuation in
                    for item in chunks { continuation.yield(item) }
                    continuation.finish()
                })
        } else {
            content = .json([
                "id": .string(id), "object": "chat.completion", "created": created, "model": .string(modelName),
                "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop", "logprobs": .null]],
                "usage": ["prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0], "keel": marker,
            ])
        }
        var response = GatewayResponse(content: content, route: error.route, prompt: error.prompt)
        response.isFallback = true
        return response
    }
}
