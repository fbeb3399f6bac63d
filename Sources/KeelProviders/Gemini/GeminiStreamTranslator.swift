import KeelCore

/// Gemini `streamGenerateContent?alt=sse` events -> OpenAI `chat.completion.chunk`s.
public struct GeminiStreamTranslator: Sendable {
    private let context: GeminiContext
    private var id: String
    private var model: String
    private var usage: JSONValue?
    private var startedCandidates: Set<Int> = []
    private var toolCallCounts: [Int: Int] = [:]

    public init(context: GeminiContext) {
        self.context = context
        id = context.id
        model = context.model
    }

    public mutating func translate(_ event: ServerSentEvent) throws(UpstreamError) -> [JSONValue] {
        guard !event.data.isEmpty else { return [] }
        let response: JSONValue
        do {
            response = try JSONValue.parse(event.data)
        } catch {
            throw UpstreamError.invalidResponse("Gemini sent a stream event that is not JSON: \(error.message)")
        }
        if let error = response["error"] { throw GeminiErrors.from(error) }
        if let responseID = response["responseId"]?.stringValue { id = responseID }
        if let version = response["modelVersion"]?.stringValue { model = version }
        if let metadata = response["usageMetadata"] { usage = metadata }
        var chunks: [JSONValue] = []
        for (position, candidate) in (response["candidates"]?.arrayValue ?? []).enumerated() {
            let index = candidate["index"]?.intValue ?? position
            let firstCall = toolCallCounts[index, default: 0]
            let parts = GeminiParts(candidate["content"]?["parts"]?.arrayValue ?? [], callIDPrefix: "call_\(index)", firstCallNumber: firstCall)
            toolCallCounts[index] = firstCall + parts.toolCalls.count
            var delta: JSONObject = [:]
            if startedCandidates.insert(index).inserted { delta["role"] = "assistant" }
            if !parts.text.isEmpty || delta["role"] != nil { delta["content"] = .string(parts.text) }
            if !parts.reasoning.isEmpty { delta["reasoning_content"] = .string(parts.reasoning) }
            if !parts.toolCalls.isEmpty {
                delta["tool_calls"] = .array(parts.toolCalls.enumerated().map { $1.openAI(index: firstCall + $0) })
            }
            let reason = candidate["finishReason"]?.stringValue
            let finish = reason.map { GeminiFinishReason.openAI($0, hasToolCalls: toolCallCounts[index, default: 0] > 0) }
            if delta.isEmpty && finish == nil { continue }
            chunks.append(chunk(index: index, delta: delta, finishReason: finish))
        }
        return chunks
    }

    public mutating func finish() -> [JSONValue] {
        guard context.includeUsage, let usage else { return [] }
        return [
            [
                "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(context.created)), "model": .string(model),
                "choices": [], "usage": GeminiUsage.openAI(usage),
            ]
        ]
    }

    private func chunk(index: Int, delta: JSONObject, finishReason: String?) -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(context.created)), "model": .string(model),
            "choices": [
                [
                    "index": .int(Int64(index)), "delta": .object(delta), "finish_reason": finishReason.map(JSONValue.string) ?? .null,
                    "logprobs": .null,
                ]
            ],
        ]
    }
}
