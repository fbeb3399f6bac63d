import KeelCore

/// A judge that is a Keel model: asked through the transport (so traced and priced like any
/// call), with `response_format` demanding the verdict object and temperature 0.
public struct TransportJudge: EvalJudge {
    public var transport: any EvalTransport
    /// The configured judge (`evals.judge.model`); an assertion's `provider` overrides it.
    public var defaultModel: String?

    public init(transport: any EvalTransport, defaultModel: String?) {
        self.transport = transport
        self.defaultModel = defaultModel
    }

    public func judge(_ request: JudgeRequest) async throws -> String {
        guard let model = request.model ?? defaultModel else {
            throw EvalCallError(status: nil, message: "no judge model: set evals.judge.model in keel.yaml or 'provider' on the assertion")
        }
        let body: JSONObject = [
            "model": .string(model), "messages": .array(request.messages), "response_format": request.responseFormat, "temperature": 0,
        ]
        return try await transport.chat(body).output.text
    }
}

/// An embedding model that is a Keel model, for `similar`.
public struct TransportEmbedder: EvalEmbedder {
    public var transport: any EvalTransport
    /// The configured embedding model (`evals.embedding.model`); an assertion's `provider` overrides it.
    public var defaultModel: String?

    public init(transport: any EvalTransport, defaultModel: String?) {
        self.transport = transport
        self.defaultModel = defaultModel
    }

    public func embed(_ texts: [String], model: String?) async throws -> [[Double]] {
        guard let model = model ?? defaultModel else {
            throw EvalCallError(status: nil, message: "no embedding model: set evals.embedding.model in keel.yaml or 'provider' on the assertion")
        }
        let reply = try await transport.embed(["model": .string(model), "input": .array(texts.map(JSONValue.string))])
        let rows = (reply["data"]?.arrayValue ?? []).sorted { ($0["index"]?.intValue ?? 0) < ($1["index"]?.intValue ?? 0) }
        return try rows.map { row in
            guard let vector = row["embedding"]?.arrayValue?.compactMap(\.doubleValue), !vector.isEmpty else {
                throw EvalCallError(status: nil, message: "the embedding model's reply has no embedding vectors")
            }
            return vector
        }
    }
}
