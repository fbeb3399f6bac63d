import Foundation
import KeelCore
import Testing

/// Keel's own calls for a client's request (the classifier guard's judgement, the semantic
/// cache's embedding) run after the request is admitted and under the client's key, and the
/// response cache is kept apart per team (per key without a team) unless a model shares it.
@Suite(.timeLimit(.minutes(3))) struct InternalCallTests {
    static let adminKey = "admin-key-for-internal-call-tests-01"
    static let admin = ["authorization": "Bearer \(adminKey)"]

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: judge, targets: [{provider: inproc, model: reply-0.02}]}
                  - {name: embed, targets: [{provider: up, model: text-embedding-3-small}]}
                  - name: guarded
                    targets: [{provider: inproc, model: echo}]
                    guardrails: {input: [{check: classifier, model: judge, action: block}]}
                  - {name: faq, targets: [{provider: up, model: gpt-4o-mini}], cache: {ttl_s: 600, semantic: {embedding_model: embed, threshold: 0.9}}}
                  - {name: cached, targets: [{provider: up, model: gpt-4o-mini}], cache: {ttl_s: 600}}
                  - {name: shared, targets: [{provider: up, model: gpt-4o-mini}], cache: {ttl_s: 600, shared_across_keys: true}}
                """,
            extra: """
                auth: {admin_key: "\(adminKey)"}
                pricing:
                  - {provider: inproc, model: reply-0.02, input: 1000, output: 1000}
                """)
    }

    static func makeKey(_ harness: GatewayHarness, _ body: JSONValue) async throws -> [String: String] {
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/keys", json: body, headers: admin)
        #expect(created.status == 201, "\(created.body)")
        return ["authorization": "Bearer " + (try #require(created.json?["key"]?.stringValue))]
    }

    static func traces(_ harness: GatewayHarness, tag: String, count: Int) async throws -> [JSONValue] {
        try await harness.traces("tag=\(tag)", headers: admin) { $0.count >= count }
    }

    @Test func aThrottledKeyTriggersNoClassifierAndNoEmbeddingAndPaysForThoseItTriggered() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let limited = try await Self.makeKey(harness, ["name": "limited", "rpm": 2])

        #expect(try await harness.chat("guarded", "what is a circuit breaker?", headers: limited).status == 200)
        #expect(try await harness.chat("faq", "what is the capital city of France?", headers: limited).status == 200)
        let throttled = try await harness.chat("guarded", "and a retry budget?", headers: limited)
        #expect(throttled.status == 429, "\(throttled.body)")
        #expect(try await harness.chat("faq", "what is the capital city of Italy?", headers: limited).status == 429)

        // One judgement and one embedding: none for the throttled requests.
        let judged = try await Self.traces(harness, tag: "classifier", count: 1)
        let embedded = try await Self.traces(harness, tag: "cache-embedding", count: 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await harness.traces("tag=classifier", headers: Self.admin) { _ in true }.count == 1)
        #expect(try await harness.traces("tag=cache-embedding", headers: Self.admin) { _ in true }.count == 1)
        #expect(judged.first?["api_key"] == "limited")
        #expect(embedded.first?["api_key"] == "limited")
        #expect(judged.first?["tags"]?.arrayValue?.contains("keel-internal") == true)

        // The judgement's cost is in the key's spend.
        let judgementCost = try #require(judged.first?["cost_usd"]?.doubleValue)
        #expect(judgementCost > 0)
        let cost = try await TestHTTP.get(harness.gateway.baseURL + "/api/cost?group_by=key", headers: Self.admin)
        let row = cost.json?["data"]?.arrayValue?.first { $0["key"] == "limited" }
        #expect((row?["cost_usd"]?.doubleValue ?? 0) >= judgementCost)
    }

    @Test func theResponseCacheIsKeptApartPerTeamUnlessAModelSharesIt() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let alice = try await Self.makeKey(harness, ["name": "alice", "team": "research"])
        let carol = try await Self.makeKey(harness, ["name": "carol", "team": "research"])
        let bob = try await Self.makeKey(harness, ["name": "bob"])
        let dave = try await Self.makeKey(harness, ["name": "dave"])
        func cache(_ model: String, _ headers: [String: String]) async throws -> String? {
            try await harness.chat(model, "what does the contract say about penalties?", headers: headers).headers.first(name: "x-keel-cache")
        }

        #expect(try await cache("cached", alice) == "miss")
        #expect(try await cache("cached", alice) == "hit")
        #expect(try await cache("cached", carol) == "hit")
        #expect(try await cache("cached", bob) == "miss")
        #expect(try await cache("cached", bob) == "hit")
        #expect(try await cache("cached", dave) == "miss")

        #expect(try await cache("shared", alice) == "miss")
        #expect(try await cache("shared", bob) == "hit")

        // The semantic cache too: a close question from another key is not served Alice's answer.
        #expect(try await harness.chat("faq", "What is the capital city of France?", headers: alice).headers.first(name: "x-keel-cache") == "miss")
        #expect(try await harness.chat("faq", "what is the capital city of france", headers: carol).headers.first(name: "x-keel-cache") == "hit")
        #expect(try await harness.chat("faq", "what is the capital city of france", headers: bob).headers.first(name: "x-keel-cache") == "miss")
    }
}
