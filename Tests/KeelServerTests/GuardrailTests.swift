import Foundation
import KeelCore
import Testing

@Suite struct GuardrailTests {
    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: up, model: echo}]}
                  - name: support
                    targets: [{provider: up, model: echo}]
                    guardrails:
                      input: [{check: regex, name: no-ticket-ids, pattern: "TCK-[0-9]+", action: redact}]
                  - name: answers
                    targets: [{provider: up, model: echo}]
                    guardrails:
                      output: [{check: secrets, action: block}, {check: pii, action: redact}]
                """,
            extra: """
                guardrails:
                  input:
                    - {check: secrets, action: block}
                    - {check: pii, action: redact}
                """)
    }

    @Test func piiIsRedactedBeforeTheProviderAndTheStoreSeeIt() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let reply = try await harness.chat("chat", "mail jane.doe@example.com about card 4111 1111 1111 1111")
        #expect(reply.status == 200)
        let content = reply.json?["choices"]?[0]?["message"]?["content"]?.stringValue ?? ""
        #expect(content.contains("[EMAIL]") && content.contains("[CREDIT_CARD]"), "\(content)")
        #expect(!content.contains("jane.doe@example.com") && !content.contains("4111"))
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))
        let stored = trace["request"]?.encodedString() ?? ""
        #expect(!stored.contains("jane.doe@example.com") && !stored.contains("4111 1111"), "\(stored)")
        let verdicts = trace["guardrails"]?.arrayValue ?? []
        #expect(verdicts.compactMap { $0["type"]?.stringValue } == ["EMAIL", "CREDIT_CARD"])
        #expect(verdicts.allSatisfy { $0["action"] == "redact" && $0["location"] == "messages[0].content" })
    }

    @Test func aLeakedKeyBlocksTheRequestAndIsNotStored() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let key = "sk-proj-4fG7hK2mN9pQ3rS8tV1wX6yZ0aB5cD7e"
        let reply = try await harness.chat("chat", "my key is \(key), why does it fail?")
        #expect(reply.status == 400)
        #expect(reply.json?["error"]?["code"] == "guardrail_secrets")
        #expect(reply.json?["error"]?["param"] == "messages[0].content")
        #expect(!reply.body.contains(key))
        #expect(try await harness.mockStats()["requests"] == 0)
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))
        #expect(trace["http_status"] == 400)
        let stored = trace["request"]?.encodedString() ?? ""
        #expect(stored.contains("[OPENAI_KEY]") && !stored.contains(key), "\(stored)")
        #expect(trace["guardrails"]?[0]?["type"] == "OPENAI_KEY")
        #expect(trace["guardrails"]?[0]?["action"] == "block")
    }

    @Test func aModelsOwnRulesReplaceTheGlobalOnes() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let reply = try await harness.chat("support", "ticket TCK-4821 from jane@example.com")
        let content = reply.json?["choices"]?[0]?["message"]?["content"]?.stringValue ?? ""
        #expect(content.contains("[NO_TICKET_IDS]") && !content.contains("TCK-4821"), "\(content)")
        #expect(content.contains("jane@example.com"))
    }

    @Test func streamedRequestsAreGuardedToo() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let (reply, events) = try await harness.streamChat("chat", "reach me on jane@example.com")
        #expect(reply.status == 200)
        let text = events.joined()
        #expect(text.contains("[EMAIL]") && !text.contains("jane@example.com"), "\(text)")
    }

    @Test func answersAreRedactedOrWithheldBeforeTheClientSeesThem() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let redacted = try await harness.chat("answers", "your card is 4111 1111 1111 1111")
        #expect(redacted.status == 200)
        let content = redacted.json?["choices"]?[0]?["message"]?["content"]?.stringValue ?? ""
        #expect(content.contains("[CREDIT_CARD]") && !content.contains("4111"), "\(content)")
        let redactedTrace = try await harness.trace(try #require(redacted.headers.first(name: "x-keel-trace-id")))
        let redactedOutput = redactedTrace["output"]?.encodedString() ?? ""
        #expect(redactedOutput.contains("[CREDIT_CARD]") && !redactedOutput.contains("4111 1111"), "\(redactedOutput)")
        #expect(redactedTrace["guardrails"]?[0]?["location"] == "choices[0].message.content")

        let key = "AKIAIOSFODNN7EXAMPLE"
        let withheld = try await harness.chat("answers", "the key is \(key)")
        #expect(withheld.status == 502)
        #expect(withheld.json?["error"]?["code"] == "guardrail_output_secrets")
        #expect(!withheld.body.contains(key))
        let withheldTrace = try await harness.trace(try #require(withheld.headers.first(name: "x-keel-trace-id")))
        let stored = withheldTrace.encodedString()
        #expect(withheldTrace["guardrails"]?[0]?["type"] == "AWS_ACCESS_KEY")
        #expect(stored.contains(key) == true)  // the client's own request is stored as sent (no input rules)
        let withheldOutput = withheldTrace["output"]?.encodedString() ?? ""
        #expect(!withheldOutput.contains(key), "\(withheldOutput)")
    }

    @Test func apiGuardShowsEachVerdictForAPolicy() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let api = harness.gateway.baseURL + "/api/guard"
        let global = try await TestHTTP.post(api, json: ["text": "jane@example.com and AKIAIOSFODNN7EXAMPLE"])
        #expect(global.status == 200)
        #expect(global.json?["blocked"] == true)
        #expect(global.json?["verdicts"]?.arrayValue?.compactMap { $0["match"]?.stringValue } == ["AKIAIOSFODNN7EXAMPLE", "jane@example.com"])
        #expect(global.json?["forwarded"] == "[EMAIL] and AKIAIOSFODNN7EXAMPLE")
        let support = try await TestHTTP.post(api, json: ["text": "see TCK-77", "model": "support"])
        #expect(support.json?["forwarded"] == "see [NO_TICKET_IDS]")
        let missing = try await TestHTTP.post(api, json: ["model": "support"])
        #expect(missing.status == 400)
        #expect(missing.json?["error"]?["param"] == "text")
        let unknown = try await TestHTTP.post(api, json: ["text": "x", "model": "nope"])
        #expect(unknown.status == 404)
    }

    @Test func guardCommandRunsAPolicyOffline() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-guard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("keel.yaml").path
        try """
        providers: [{name: p, kind: mock}]
        guardrails: {input: [{check: pii, action: redact}]}
        models: [{name: m, targets: [{provider: p, model: x}]}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await KeelProcess.run(["guard", "--config", path, "--text", "call +44 20 7946 0958"])
        #expect(status == 0)
        #expect(output.contains("redact\tpii\tPHONE_NUMBER"), "\(output)")
        #expect(output.contains("forwarded: call [PHONE_NUMBER]"))
        let (jsonStatus, json) = try await KeelProcess.run(["guard", "--config", path, "--model", "m", "--json", "--text", "nothing here"])
        #expect(jsonStatus == 0)
        #expect(try JSONValue.parse(json)["verdicts"] == [])
    }
}
