import Foundation
import KeelCore
import KeelStore
import Testing

/// A prompt pushed from a file is served by reference through the OpenAI API, live within two
/// seconds of a push or a label move, and every request is traced with its version.
struct PromptServingTests {
    static let models = """
          - {name: smart, targets: [{provider: up, model: echo}]}
          - {name: other, targets: [{provider: up, model: echo}]}
        """
    static let file = """
        name: support-reply
        model: smart
        params: {temperature: 0.2, max_tokens: 300}
        variables: {product: string, question: string}
        messages:
          - {role: system, content: "You answer questions about {{product}}. Be brief."}
          - {role: user, content: "{{question}}"}
        """

    static func call(_ harness: GatewayHarness, _ prompt: JSONObject, messages: [JSONValue] = []) async throws -> TestHTTP.Reply {
        try await TestHTTP.post(
            harness.v1 + "/chat/completions", json: ["model": "other", "messages": .array(messages), "prompt": .object(prompt)])
    }

    /// Calls until the answer comes from `version` (a push or label move is live within 2 s).
    static func waitFor(_ version: String, _ harness: GatewayHarness, _ prompt: JSONObject) async throws -> (TestHTTP.Reply, Duration) {
        let start = ContinuousClock.now
        while true {
            let reply = try await call(harness, prompt)
            if reply.headers.first(name: "x-keel-prompt") == version || ContinuousClock.now - start > .seconds(5) {
                return (reply, ContinuousClock.now - start)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aPushedPromptIsServedByReferenceAndItsLabelsMoveLive() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let path = harness.directory.appendingPathComponent("support-reply.yaml")
        try Self.file.write(to: path, atomically: true, encoding: .utf8)
        func keel(_ arguments: [String]) async throws -> String {
            let run = try await KeelProcess.run(arguments + ["--config", harness.configPath], environment: GatewayHarness.environment)
            #expect(run.status == 0, "\(arguments): \(run.output)")
            return run.output
        }
        #expect(try await keel(["prompts", "push", path.path, "--message", "first"]).contains("support-reply v1 (new)"))
        let variables: JSONObject = ["product": "Keel", "question": "How do I rotate a key?"]
        let reference: JSONObject = ["id": "support-reply", "variables": .object(variables)]

        let (first, firstDelay) = try await Self.waitFor("support-reply@1", harness, reference)
        #expect(first.status == 200, "\(first.body)")
        #expect(first.headers.first(name: "x-keel-prompt") == "support-reply@1")
        #expect(firstDelay < .seconds(2))
        #expect(first.json?["choices"]?[0]?["message"]?["content"] == "How do I rotate a key?")
        let trace = try await harness.trace(try #require(first.headers.first(name: "x-keel-trace-id")))
        #expect(trace["model"] == "smart")
        #expect(
            trace["prompt"]
                == [
                    "name": "support-reply", "version": 1, "label": "production", "requested_model": "other",
                    "variables": ["product": "Keel", "question": "How do I rotate a key?"],
                ])
        let sent = trace["request"]
        #expect(sent?["messages"]?[0]?["content"] == "You answer questions about Keel. Be brief.")
        #expect(sent?["temperature"] == 0.2)
        #expect(sent?["prompt"] == nil)

        // The request's own messages follow the prompt's, and its own parameters win over the prompt's.
        let followUp = try await TestHTTP.post(
            harness.v1 + "/chat/completions",
            json: [
                "model": "other", "temperature": 0.9, "prompt": .object(reference),
                "messages": [["role": "assistant", "content": "Revoke it."], ["role": "user", "content": "And then?"]],
            ])
        #expect(followUp.json?["choices"]?[0]?["message"]?["content"] == "And then?")
        let followUpTrace = try await harness.trace(try #require(followUp.headers.first(name: "x-keel-trace-id")))
        #expect(followUpTrace["request"]?["messages"]?.arrayValue?.count == 4)
        #expect(followUpTrace["request"]?["temperature"] == 0.9)

        // A new version is `latest`, not `production`, until the label moves.
        try Self.file.replacingOccurrences(of: "Be brief.", with: "Be kind.").write(to: path, atomically: true, encoding: .utf8)
        #expect(try await keel(["prompts", "push", path.path, "--message", "kinder"]).contains("support-reply v2 (new)"))
        var latest = reference
        latest["label"] = "latest"
        let (second, _) = try await Self.waitFor("support-reply@2", harness, latest)
        #expect(second.headers.first(name: "x-keel-prompt") == "support-reply@2")
        #expect(try await Self.call(harness, reference).headers.first(name: "x-keel-prompt") == "support-reply@1")
        var pinned = reference
        pinned["version"] = 1
        #expect(try await Self.call(harness, pinned).headers.first(name: "x-keel-prompt") == "support-reply@1")

        _ = try await keel(["prompts", "label", "support-reply", "2", "production"])
        let (moved, movedDelay) = try await Self.waitFor("support-reply@2", harness, reference)
        #expect(moved.headers.first(name: "x-keel-prompt") == "support-reply@2")
        #expect(movedDelay < .seconds(2))
        #expect(try await keel(["prompts", "rollback", "support-reply"]).contains("v2 -> v1"))
        let (rolledBack, _) = try await Self.waitFor("support-reply@1", harness, reference)
        #expect(rolledBack.headers.first(name: "x-keel-prompt") == "support-reply@1")

        // Traces filter, and stats group, by prompt version.
        let secondOnly = try await harness.traces("prompt=support-reply@2") { $0.count >= 2 }
        #expect(!secondOnly.isEmpty && secondOnly.allSatisfy { $0["prompt"]?["version"] == 2 })
        let stats = try await TestHTTP.get(harness.gateway.baseURL + "/api/stats?group_by=prompt")
        let keys = Set(stats.json?["data"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? [])
        #expect(keys.isSuperset(of: ["support-reply@1", "support-reply@2"]), "\(keys)")
    }

    static let wrongReferences: [(JSONObject, String, String)] = [
        (["id": "nope"], "prompt.id", "prompt_not_found"),
        (["id": "support-reply", "version": 9, "variables": ["product": "K", "question": "q"]], "prompt.version", "prompt_version_not_found"),
        (["id": "support-reply", "label": "staging", "variables": ["product": "K", "question": "q"]], "prompt.label", "prompt_label_not_found"),
        (["id": "support-reply", "variables": ["product": "K"]], "prompt.variables.question", "invalid_prompt_variable"),
        (["id": "support-reply", "variables": ["product": "K", "question": 5]], "prompt.variables.question", "invalid_prompt_variable"),
    ]

    @Test func aWrongReferenceIsA400NamingIt() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(Self.file)])
        #expect(created.status == 201, "\(created.body)")
        for (reference, param, code) in Self.wrongReferences {
            let reply = try await Self.call(harness, reference)
            #expect(reply.status == 400, "\(reference): \(reply.body)")
            #expect(reply.json?["error"]?["param"]?.stringValue == param, "\(reference): \(reply.body)")
            #expect(reply.json?["error"]?["code"]?.stringValue == code, "\(reference): \(reply.body)")
        }

        // A version whose parameters or messages the API refuses is refused when called, naming
        // the field, as the same request sent whole would be (checked once per catalog, not per call).
        let hot = Self.file.replacingOccurrences(of: "name: support-reply", with: "name: hot-reply")
            .replacingOccurrences(of: "temperature: 0.2", with: "temperature: 7")
        let toolless = Self.file.replacingOccurrences(of: "name: support-reply", with: "name: tool-reply")
            .replacingOccurrences(of: "role: system", with: "role: tool")
        for source in [hot, toolless] {
            let pushed = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(source)])
            #expect(pushed.status == 201, "\(pushed.body)")
        }
        let variables: JSONValue = ["product": "K", "question": "q"]
        for (name, param) in [("hot-reply", "temperature"), ("tool-reply", "messages[0].tool_call_id")] {
            let reply = try await Self.call(harness, ["id": .string(name), "variables": variables])
            #expect(reply.status == 400, "\(name): \(reply.body)")
            #expect(reply.json?["error"]?["param"]?.stringValue == param, "\(name): \(reply.body)")
        }
        #expect(try await Self.call(harness, ["id": "support-reply", "variables": variables]).status == 200)
    }

    /// A call by reference is stored as the client made it: the version's text is stored once,
    /// with the version, not on every trace. Every reader (the API, `keel traces show`) gets the
    /// request Keel sent, rendered again from the version.
    @Test func aCallIsStoredAsCalledAndReadAsTheRequestSent() async throws {
        let harness = try await GatewayHarness.start(models: Self.models)
        defer { harness.stop() }
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(Self.file)])
        #expect(created.status == 201, "\(created.body)")
        let reference: JSONObject = ["id": "support-reply", "variables": ["product": "Keel", "question": "How do I rotate a key?"]]
        let reply = try await Self.call(harness, reference, messages: [["role": "user", "content": "And revoke it?"]])
        #expect(reply.status == 200, "\(reply.body)")
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        let shown = try await harness.trace(id)

        let store = try await StoreFactory.open(StorageConfig(url: "sqlite://" + harness.directory.appendingPathComponent("keel.db").path))
        let stored = try #require(try await store.trace(id: id))
        #expect(stored.requestIsCall)
        #expect(stored.request["prompt"] == .object(reference))
        #expect(!stored.request.encodedString().contains("Be brief"), "the version's text is not stored again")
        #expect(stored.prompt?.variables == reference["variables"]?.objectValue)
        #expect(stored.prompt?.requestedModel == "other")

        let sent = try #require(shown["request"])
        #expect(sent["prompt"] == nil)
        #expect(sent["model"] == "smart")
        #expect(sent["temperature"] == 0.2 && sent["max_tokens"] == 300)
        #expect(
            sent["messages"]
                == [
                    ["role": "system", "content": "You answer questions about Keel. Be brief."],
                    ["role": "user", "content": "How do I rotate a key?"], ["role": "user", "content": "And revoke it?"],
                ])
        #expect(shown["prompt"]?["requested_model"] == "other")
        let cli = try await KeelProcess.run(["traces", "show", id, "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(cli.status == 0, "\(cli.output)")
        #expect(cli.output.contains("You answer questions about Keel. Be brief."), "\(cli.output)")

        // A text search finds the call through its version's messages, as it finds a request
        // sent whole by its own, and through its variables; not by text in neither.
        for (text, found) in [("BE BRIEF", true), ("rotate a key", true), ("never written anywhere", false)] {
            let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
            let api = try await TestHTTP.get(harness.gateway.baseURL + "/api/traces?q=\(query)")
            let ids = api.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(ids.contains(id) == found, "q=\(text): \(api.body)")
            let listed = try await KeelProcess.run(
                ["traces", "list", "--json", "-q", text, "--config", harness.configPath], environment: GatewayHarness.environment)
            #expect(listed.status == 0 && listed.output.contains(id) == found, "keel traces -q \(text): \(listed.output)")
        }
    }

    /// A guard may redact what the store keeps of a call's variables and messages, which the
    /// call holds as they came: such a call is stored as the rendered, redacted request.
    @Test func aGuardedCallIsStoredAsTheRedactedRequest() async throws {
        let harness = try await GatewayHarness.start(
            models: Self.models.replacingOccurrences(
                of: "- {name: smart, targets: [{provider: up, model: echo}]}",
                with: "- {name: smart, targets: [{provider: up, model: echo}], guardrails: {input: [{check: pii, action: redact}]}}"))
        defer { harness.stop() }
        // `contact` is declared and never rendered: its value reaches no message, so only the
        // variables the store keeps are redacted, and the call must not be stored as it came.
        let source = Self.file.replacingOccurrences(of: "question: string}", with: "question: string, contact: string}")
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/prompts", json: ["source": .string(source)])
        #expect(created.status == 201, "\(created.body)")
        let variables: JSONValue = ["product": "Keel", "question": "Where is my order?", "contact": "jane.doe@example.com"]
        let reply = try await Self.call(harness, ["id": "support-reply", "variables": variables])
        #expect(reply.status == 200, "\(reply.body)")
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        let shown = try await harness.trace(id)
        let store = try await StoreFactory.open(StorageConfig(url: "sqlite://" + harness.directory.appendingPathComponent("keel.db").path))
        let stored = try #require(try await store.trace(id: id))
        #expect(!stored.requestIsCall)
        for text in [
            stored.request.encodedString(), stored.prompt.map { JSONValue.object($0.variables ?? [:]).encodedString() } ?? "", shown.encodedString(),
        ] {
            #expect(!text.contains("jane.doe@example.com"), "\(text)")
        }
        #expect(shown["request"]?["messages"]?[0]?["content"] == "You answer questions about Keel. Be brief.")
    }
}
