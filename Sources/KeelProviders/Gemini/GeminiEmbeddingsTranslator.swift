import KeelCore

/// OpenAI embeddings <-> Gemini `batchEmbedContents`.
public enum GeminiEmbeddingsTranslator {
    public static func request(_ openAI: JSONObject) throws(KeelError) -> JSONObject {
        let model = openAI["model"]?.stringValue ?? ""
        let texts: [String]
        switch openAI["input"] {
        case .string(let text)?: texts = [text]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): texts = items.compactMap(\.stringValue)
        default:
            throw KeelError.invalidRequest("A Gemini embedding model takes text input, not token ids.", param: "input")
        }
        let requests: [JSONValue] = texts.map { text in
            var request: JSONObject = ["model": .string("models/\(model)"), "content": ["parts": [["text": .string(text)]]]]
            if let dimensions = openAI["dimensions"], !dimensions.isNull { request["outputDimensionality"] = dimensions }
            return .object(request)
        }
        return ["requests": .array(requests)]
    }

    public static func response(_ gemini: JSONValue, model: String) throws(UpstreamError) -> JSONValue {
        guard let embeddings = gemini["embeddings"]?.arrayValue else {
            throw UpstreamError.invalidResponse("The Gemini embeddings answer has no 'embeddings'.")
        }
        let data: [JSONValue] = embeddings.enumerated().map { index, embedding in
            ["object": "embedding", "index": .int(Int64(index)), "embedding": embedding["values"] ?? []]
        }
        return ["object": "list", "data": .array(data), "model": .string(model), "usage": ["prompt_tokens": 0, "total_tokens": 0]]
    }
}
