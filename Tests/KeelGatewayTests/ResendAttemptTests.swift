import Foundation
import KeelCore
import Logging
import Testing

@testable import KeelGateway
@testable import KeelProviders

/// The upstream client's re-sends on a new connection reach the trace's attempts: each is an
/// entry before the attempt it belongs to.
@Suite struct ResendAttemptTests {
    /// Answers as if its HTTP client had sent the request again once before it got through.
    struct ResendingProvider: ModelProvider {
        var name: String { "p" }
        var kind: ProviderKind { .openai }

        func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
            UpstreamResends.counter?.record()
            return .completion(["ok": true])
        }

        func embeddings(_ request: UpstreamRequest) async throws -> JSONValue { .null }
    }

    @Test func aResendIsAnAttemptOfItsOwn() async throws {
        let router = FallbackRouter(
            providers: ["p": ResendingProvider()], breakers: CircuitBreakers(failureThreshold: 5, cooldown: .seconds(30)),
            retryBudget: RetryBudget(ratio: 0.2, minPerSecond: 10), backoff: Backoff(initialMs: 1, maxMs: 2), maxRetryAfterMs: 0,
            errors: ClientErrorMapper(secrets: []), logger: Logger(label: "test"))
        let model = ModelConfig(name: "m", targets: [TargetConfig(provider: "p", model: "up")])
        let (_, route) = try await router.route(model) { provider, _ in try await provider.chatCompletion(UpstreamRequest(body: [:])) }
        #expect(route.attempts.map(\.outcome) == [.resentOnNewConnection, .success])
    }
}
