import Foundation
import KeelCore
import KeelProviders
import KeelStore
import Synchronization
import Testing

@testable import KeelGateway

/// A sink that keeps every trace.
private final class KeepingSink: TraceSink {
    private let traces = Mutex<[Trace]>([])
    func begin() {}
    func enqueue(_ trace: consuming Trace) async {
        let trace = trace
        traces.withLock { $0.append(trace) }
    }
    func record(_ event: StoredEvent) async {}
    var all: [Trace] { traces.withLock { $0 } }
}

/// A configuration swapped while requests run: each request is served by one snapshot from
/// start to end, never by parts of two.
@Suite struct SnapshotSwapTests {
    /// Two configurations of the same model that differ in two stages: the token cap (applied
    /// early) and the target (used late). A request that mixed them would show (alpha, 50) or
    /// (beta, 5).
    static func config(upstream: String, maxOutput: Int) throws -> KeelConfig {
        try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                models:
                  - {name: chat, max_output_tokens: \(maxOutput), targets: [{provider: local, model: \(upstream)}]}
                """)
    }

    @Test func requestsRunningAcrossReloadsEachSeeOneSnapshot() async throws {
        let alpha = try Self.config(upstream: "alpha", maxOutput: 5)
        let beta = try Self.config(upstream: "beta", maxOutput: 50)
        let sink = KeepingSink()
        let providers: [String: any ModelProvider] = ["local": MockProvider(name: "local")]
        let gateway = Gateway(config: alpha, providers: providers, traces: sink)
        let body: JSONValue = ["model": "chat", "messages": [["role": "user", "content": "hello"]], "max_tokens": 1000]
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<200 {
                    gateway.reload(config: round.isMultiple(of: 2) ? beta : alpha, providers: providers, prices: .builtIn())
                    await Task.yield()
                }
            }
            for _ in 0..<400 {
                group.addTask { _ = try? await gateway.chatCompletion(IncomingRequest(body: body.encoded(), headers: [:])) }
            }
        }
        let pairs = Set(sink.all.map { "\($0.upstreamModel ?? "?") \($0.request["max_tokens"]?.intValue ?? -1)" })
        #expect(sink.all.count == 400)
        #expect(pairs.isSubset(of: ["alpha 5", "beta 50"]), "\(pairs)")
    }

    /// Swaps the gateway's configuration from inside a request: its embedding for the semantic
    /// cache runs after the token cap and before routing.
    private final class ReloadingEmbedder: ModelProvider {
        let name = "hook"
        let kind = ProviderKind.mock
        let onEmbed = Mutex<(@Sendable () -> Void)?>(nil)
        private let mock = MockProvider(name: "hook")

        func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult { try await mock.chatCompletion(request) }

        func embeddings(_ request: UpstreamRequest) async throws -> JSONValue {
            onEmbed.withLock { $0 }?()
            return try await mock.embeddings(request)
        }
    }

    static func cachedConfig(upstream: String, maxOutput: Int) throws -> KeelConfig {
        try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                  - {name: hook, kind: mock}
                models:
                  - name: chat
                    max_output_tokens: \(maxOutput)
                    targets: [{provider: local, model: \(upstream)}]
                    cache: {ttl_s: 60, semantic: {embedding_model: embed}}
                  - {name: embed, targets: [{provider: hook, model: embed}]}
                """)
    }

    @Test func aReloadInTheMiddleOfARequestLeavesItOnItsSnapshot() async throws {
        let alpha = try Self.cachedConfig(upstream: "alpha", maxOutput: 5)
        let beta = try Self.cachedConfig(upstream: "beta", maxOutput: 50)
        let embedder = ReloadingEmbedder()
        let providers: [String: any ModelProvider] = ["local": MockProvider(name: "local"), "hook": embedder]
        let sink = KeepingSink()
        let gateway = Gateway(config: alpha, providers: providers, traces: sink)
        embedder.onEmbed.withLock { $0 = { gateway.reload(config: beta, providers: providers, prices: .builtIn()) } }
        let body: JSONValue = ["model": "chat", "messages": [["role": "user", "content": "hello"]], "max_tokens": 1000]
        _ = try await gateway.chatCompletion(IncomingRequest(body: body.encoded(), headers: [:]))
        let chat = try #require(sink.all.first { $0.operation == "chat" })
        #expect(chat.upstreamModel == "alpha")
        #expect(chat.request["max_tokens"] == 5)
        #expect(gateway.config == beta)
    }

    @Test func promptsSwapWithoutRebuildingTheRest() throws {
        let gateway = Gateway(config: try Self.config(upstream: "alpha", maxOutput: 5), providers: [:])
        let before = gateway.snapshot
        gateway.install(prompts: .empty)
        let after = gateway.snapshot
        #expect(before !== after)
        #expect(before.router === after.router)
        #expect(before.recorder === after.recorder)
    }
}
