import Foundation
import KeelCore
import KeelPrompts
import Testing

struct PromptCatalogTests {
    static func version(_ number: Int, _ yaml: String) throws -> PromptVersion {
        let definition = try PromptDefinition.parse(yaml: yaml, file: "support-reply.yaml")
        return PromptVersion(
            name: definition.name, version: number, definition: definition, source: yaml, hash: definition.contentHash, author: "ada",
            commitMessage: nil, createdAt: Date())
    }

    static let catalog: PromptCatalog = {
        let v1 = try! version(1, PromptDefinitionTests.supportReply)
        let v2 = try! version(
            2,
            """
            name: support-reply
            model: cheap
            variables: {question: string, limit: integer, tags: array, extra: any}
            messages: [{role: user, content: "{{question}} (max {{limit}} words, tags {{tags}}, {{extra}})"}]
            """)
        return PromptCatalog(versions: [v1, v2], labels: ["support-reply": ["production": 1, "latest": 2, "staging": 2]])
    }()

    @Test func resolvesTheProductionLabelByDefault() throws {
        let resolved = try Self.catalog.resolve(PromptReference(id: "support-reply", variables: ["product": "Keel", "question": "Why?"]))
        #expect(
            resolved
                == ResolvedPrompt(
                    name: "support-reply", version: 1, label: "production", model: "smart", params: ["temperature": 0.2, "max_tokens": 300],
                    messages: [
                        ["role": "system", "content": "You answer questions about Keel. Be brief."], ["role": "user", "content": "Why?"],
                    ]))
    }

    @Test func resolvesAVersionOrALabel() throws {
        let variables: JSONObject = ["question": "Q", "limit": 50, "tags": ["a", "b"], "extra": ["k": true]]
        let byVersion = try Self.catalog.resolve(PromptReference(id: "support-reply", selector: .version(2), variables: variables))
        #expect(byVersion.version == 2 && byVersion.label == nil && byVersion.model == "cheap" && byVersion.params.isEmpty)
        #expect(byVersion.messages == [["role": "user", "content": #"Q (max 50 words, tags ["a","b"], {"k":true})"#]])
        let byLabel = try Self.catalog.resolve(PromptReference(id: "support-reply", selector: .label("staging"), variables: variables))
        #expect(byLabel.version == 2 && byLabel.label == "staging")
    }

    @Test(arguments: [
        (PromptReference(id: "nope"), "prompt.id", "prompt_not_found", "Unknown prompt 'nope' (prompts: support-reply)."),
        (
            PromptReference(id: "support-reply", selector: .version(9)), "prompt.version", "prompt_version_not_found",
            "Prompt 'support-reply' has no version 9 (versions: 1, 2)."
        ),
        (
            PromptReference(id: "support-reply", selector: .label("canary")), "prompt.label", "prompt_label_not_found",
            "Prompt 'support-reply' has no label 'canary' (labels: latest, production, staging)."
        ),
        (
            PromptReference(id: "support-reply", variables: ["product": "Keel"]), "prompt.variables.question", "invalid_prompt_variable",
            "Missing variable 'question' for prompt 'support-reply@1' (a string)."
        ),
        (
            PromptReference(id: "support-reply", variables: ["product": "Keel", "question": 3]), "prompt.variables.question",
            "invalid_prompt_variable", "Variable 'question' of prompt 'support-reply@1' must be a string, not number."
        ),
        (
            PromptReference(id: "support-reply", variables: ["product": "Keel", "question": "Q", "tone": "dry"]), "prompt.variables.tone",
            "invalid_prompt_variable", "Prompt 'support-reply@1' has no variable 'tone' (variables: product, question)."
        ),
        (
            PromptReference(id: "support-reply", selector: .version(2), variables: ["question": "Q", "limit": 2.5, "tags": [], "extra": nil]),
            "prompt.variables.limit", "invalid_prompt_variable", "Variable 'limit' of prompt 'support-reply@2' must be an integer, not number."
        ),
    ])
    func errorsNameTheParameter(reference: PromptReference, param: String, code: String, message: String) {
        do {
            _ = try Self.catalog.resolve(reference)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.status == 400 && error.param == param && error.code == code && error.message == message)
        }
    }

    @Test func anUnknownPromptListsAtMostTwentyNames() throws {
        let versions = try (0..<25).map { index in
            try Self.version(1, "name: p\(String(format: "%02d", index))\nmodel: m\nmessages: [{role: user, content: hi}]\n")
        }
        let catalog = PromptCatalog(versions: versions, labels: [:])
        do {
            _ = try catalog.resolve(PromptReference(id: "x"))
        } catch {
            #expect(error.message.hasSuffix("p18, p19 and 5 more)."))
        }
        do {
            _ = try PromptCatalog.empty.resolve(PromptReference(id: "x"))
        } catch {
            #expect(error.message == "Unknown prompt 'x' (no prompts are stored).")
        }
    }

    @Test func aVersionNotLoadedIsAHoleBetweenTheOthers() throws {
        let v1 = try Self.version(1, PromptDefinitionTests.supportReply)
        let v3 = try Self.version(3, PromptDefinitionTests.supportReply)
        let catalog = PromptCatalog(versions: [v3, v1], labels: ["support-reply": ["production": 3, "latest": 3], "unknown": ["production": 1]])
        #expect(catalog.newestVersion(of: "support-reply") == 3)
        #expect(catalog.version(name: "support-reply", version: 2) == nil)
        #expect(catalog.version(name: "support-reply", version: 3)?.version == 3)
        #expect(catalog.version(name: "support-reply", version: 0) == nil)
        #expect(catalog.labels(of: "support-reply") == ["production": 3, "latest": 3])
        #expect(catalog.labels(of: "unknown").isEmpty)
        #expect(catalog.allVersions.map(\.version).sorted() == [1, 3])
        let variables: JSONObject = ["product": "Keel", "question": "Why?"]
        #expect(try catalog.resolve(PromptReference(id: "support-reply", variables: variables)).version == 3)
        #expect(try catalog.resolve(PromptReference(id: "support-reply", selector: .version(1), variables: variables)).version == 1)
        do {
            _ = try catalog.resolve(PromptReference(id: "support-reply", selector: .version(2), variables: variables))
            Issue.record("version 2 is not loaded")
        } catch {
            #expect(error.message == "Prompt 'support-reply' has no version 2 (versions: 1, 3).")
        }
    }

    /// The check that hashes no name and the one that names the problem agree on what passes.
    @Test(arguments: [
        (["product": "Keel", "question": "Why?"] as JSONObject, nil as String?),
        (["product": "Keel"], "Missing variable 'question' for prompt 'support-reply@1' (a string)."),
        (["product": "Keel", "question": 3], "Variable 'question' of prompt 'support-reply@1' must be a string, not number."),
        (["product": "Keel", "topic": "x"], "Prompt 'support-reply@1' has no variable 'topic' (variables: product, question)."),
        (["product": "Keel", "question": "Why?", "topic": "x"], "Prompt 'support-reply@1' has no variable 'topic' (variables: product, question)."),
    ])
    func variablesAreCheckedAgainstTheDeclarations(variables: JSONObject, message: String?) {
        do {
            _ = try Self.catalog.resolve(PromptReference(id: "support-reply", variables: variables))
            #expect(message == nil)
        } catch {
            #expect(error.message == message)
        }
    }
}
