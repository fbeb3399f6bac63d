import KeelCore

/// The `mock` provider kind: Keel's mock, in process, behind the same interface as a real
/// provider (so failover, timeouts and breakers can be tried with no upstream at all).
public struct MockProvider: ModelProvider {
    public let name: String
    public var kind: ProviderKind { .mock }
    private let engine: MockEngine

    public init(name: String, engine: MockEngine = MockEngine()) {
        self.name = name
        self.engine = engine
    }

    public func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        let prompt = OpenAIMockCodec.prompt(from: request.body)
        let behaviour = MockBehaviour.parse(model: prompt.model, headers: request.clientHeaders)
        let engine = self.engine
        let reply = try await run { try await engine.respond(to: prompt, behaviour: behaviour) }
        guard prompt.stream else { return .completion(OpenAIMockCodec.completion(from: reply)) }
        let chunks = OpenAIMockCodec.chunks(from: reply)
        let (stream, continuation) = ChunkStream.makeStream()
        let task = Task {
            do {
                for (index, chunk) in chunks.enumerated() {
                    try await engine.pace(piece: index, behaviour: behaviour)
                    continuation.yield(chunk)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Self.upstreamError(error))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return .stream(stream)
    }

    public func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
        let behaviour = MockBehaviour.parse(model: request.upstreamModel, headers: request.clientHeaders)
        let prompt = MockPrompt(model: request.upstreamModel, lastUserText: "")
        _ = try await run { try await engine.respond(to: prompt, behaviour: behaviour) }
        do {
            return try OpenAIMockCodec.embeddings(for: request.body)
        } catch {
            throw UpstreamError(kind: .http(status: 400), message: error.message, upstreamType: error.type)
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.upstreamError(error)
        }
    }

    private static func upstreamError(_ error: any Error) -> any Error {
        guard let failure = error as? MockEngine.Failure else { return error }
        return UpstreamError(
            kind: .http(status: failure.status), message: failure.message,
            retryAfter: failure.retryAfterSeconds.map(Double.init), upstreamType: KeelError.type(forStatus: failure.status))
    }
}
