import Foundation
import KeelCore
import KeelPrompts
import Testing

@testable import KeelGateway

/// Which version serves a call by reference, and what its trace records of the choice and of
/// the body: the label's version, or one forced on the request (a shadow copy's candidate)
/// with the label it asked for kept.
@Suite struct PromptVersionChoiceTests {
    static func version(_ number: Int, params: String) throws -> PromptVersion {
        let yaml = """
            name: support-reply
            model: smart
            params: \(params)
            variables: {product: string}
            messages:
              - {role: system, content: "Version \(number) answers about {{product}}."}
            """
        let definition = try PromptDefinition.parse(yaml: yaml, file: "support-reply.yaml")
        return PromptVersion(
            name: "support-reply", version: number, definition: definition, source: yaml, hash: definition.contentHash, author: "test",
            commitMessage: nil, createdAt: Date())
    }

    static func catalog() throws -> PromptCatalog {
        PromptCatalog(
            versions: [try version(1, params: "{temperature: 0.2}"), try version(2, params: "{user: from-prompt, metadata: {tier: gold}}")],
            labels: ["support-reply": ["production": 1, "staging": 2]])
    }

    struct Served {
        var prompt: ServedPrompt?
        var request: ChatRequest
        var draft: TraceDraft
    }

    static func serve(_ body: String, forcedVersion: Int? = nil) throws -> Served {
        let catalog = try catalog()
        var request = try ChatRequest.parse(Data(body.utf8))
        var draft = TraceDraft(id: TraceID.generate(), operation: "chat", startedAt: Date(), start: .now, rawBody: Data(body.utf8), headers: [:])
        draft.body = request.body
        let prompt = try PromptStage.apply(
            to: &request, draft: &draft, from: catalog, faults: PromptRenderingFaults(catalog), rollouts: RolloutBoard(), headers: [:],
            forcedVersion: forcedVersion)
        return Served(prompt: prompt, request: request, draft: draft)
    }

    static let variables = #""variables":{"product":"Keel"}"#

    @Test func aLabelServesItsVersionWithNoRolloutArm() throws {
        let served = try Self.serve(#"{"model":"asked","prompt":{"id":"support-reply",\#(Self.variables)},"messages":[]}"#)
        #expect(served.prompt?.header == "support-reply@1")
        #expect(served.prompt?.label == "production")
        #expect(served.prompt?.requestedModel == "asked")
        #expect(served.draft.promptRollout == nil)
        #expect(served.draft.rolloutArms.isEmpty)
        #expect(served.request.model == "smart")
    }

    @Test func aForcedVersionServesInsteadOfTheLabelsAndKeepsTheLabelAsked() throws {
        let served = try Self.serve(#"{"prompt":{"id":"support-reply","label":"production",\#(Self.variables)}}"#, forcedVersion: 2)
        #expect(served.prompt?.version == 2)
        #expect(served.prompt?.label == "production")
        let text = String(decoding: served.request.rawBody, as: UTF8.self)
        #expect(text.contains("Version 2 answers about Keel."))
    }

    @Test func aForcedVersionOnAReferenceByVersionRecordsNoLabel() throws {
        let served = try Self.serve(#"{"prompt":{"id":"support-reply","version":1,\#(Self.variables)}}"#, forcedVersion: 2)
        #expect(served.prompt?.version == 2)
        #expect(served.prompt?.label == nil)
    }

    @Test func theTraceReadsTheVersionsUserAndMetadataUnlessTheClientSetThem() throws {
        let fromPrompt = try Self.serve(#"{"stream":true,"prompt":{"id":"support-reply","label":"staging",\#(Self.variables)}}"#)
        #expect(fromPrompt.draft.model == "smart")
        #expect(fromPrompt.draft.stream)
        #expect(fromPrompt.draft.members?.user == "from-prompt")
        #expect(fromPrompt.draft.members?.metadata == ["tier": "gold"])
        let fromClient = try Self.serve(
            #"{"user":"u-1","metadata":null,"prompt":{"id":"support-reply","label":"staging",\#(Self.variables)}}"#)
        #expect(fromClient.draft.members?.user == "u-1")
        #expect(fromClient.draft.members?.metadata == .null)
        let unset = try Self.serve(#"{"prompt":{"id":"support-reply",\#(Self.variables)}}"#)
        #expect(unset.draft.members?.user == nil)
        #expect(unset.draft.members?.metadata == nil)
    }
}
