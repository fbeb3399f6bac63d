import Foundation
import KeelCore
import KeelPrompts
import KeelProviders
import KeelStore
import Testing

@testable import KeelGateway

/// What an input guard keeps out of the store, it keeps out of a call by reference's variables
/// too: the trace would otherwise hold the value the rendered messages were redacted of.
@Suite struct GuardedPromptTests {
    @Test func aRedactedValueIsNotKeptInTheVariables() async throws {
        let config = try ConfigLoader.parse(
            yaml: """
                providers:
                  - {name: local, kind: mock}
                models:
                  - {name: chat, targets: [{provider: local, model: echo}]}
                guardrails:
                  input: [{check: pii, action: redact}]
                """)
        let sink = TraceCapture()
        let gateway = Gateway(config: config, providers: ["local": MockProvider(name: "local")], traces: sink)
        let yaml = """
            name: follow-up
            model: chat
            variables: {email: string, topic: string}
            messages:
              - {role: system, content: "Write to {{email}}."}
              - {role: user, content: "About {{topic}}, reply to {{email}}."}
            """
        let definition = try PromptDefinition.parse(yaml: yaml, file: "follow-up.yaml")
        gateway.install(
            prompts: PromptCatalog(
                versions: [
                    PromptVersion(
                        name: "follow-up", version: 1, definition: definition, source: yaml, hash: definition.contentHash, author: "test",
                        commitMessage: nil, createdAt: Date())
                ],
                labels: ["follow-up": ["production": 1]]))
        let body = #"{"model":"chat","messages":[],"prompt":{"id":"follow-up","variables":{"email":"ada@example.com","topic":"refunds"}}}"#
        _ = try await gateway.chatCompletion(IncomingRequest(body: Data(body.utf8), headers: [:]))
        let trace = try #require(sink.all.first)
        let variables = try #require(trace.prompt?.variables)
        #expect(variables["topic"] == "refunds")
        #expect(variables["email"]?.stringValue?.contains("ada@example.com") == false, "\(variables)")
        #expect(trace.requestJSON?.contains("ada@example.com") != true)
        #expect(trace.request.encodedString().contains("ada@example.com") == false)
    }
}
