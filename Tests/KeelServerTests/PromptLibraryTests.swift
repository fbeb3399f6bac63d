import Foundation
import KeelCore
import KeelPrompts
import KeelServer
import KeelStore
import Testing

/// What the CLI, the admin API and the gateway share, in process over a scratch store.
struct PromptLibraryTests {
    static let config = try! ConfigLoader.parse(
        yaml: """
            providers: [{name: inproc, kind: mock}]
            models: [{name: chat, targets: [{provider: inproc, model: echo}]}]
            """)

    static func store() throws -> SQLiteTraceStore {
        try SQLiteTraceStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("prompt-library-\(UUID().uuidString).db").path)
    }

    @Test func theCatalogServesWhatTheStoreHoldsAndSkipsWhatNoLongerReads() async throws {
        let store = try Self.store()
        let source = "name: hello\nmodel: chat\nvariables: {who: string}\nmessages: [{role: user, content: \"Hi {{who}}\"}]\n"
        let definition = try PromptLibrary.definition(source: source, file: "hello.yaml", config: Self.config)
        _ = try await store.pushPrompt(PromptLibrary.record(definition, source: source, author: "ada", commitMessage: nil))
        _ = try await store.pushPrompt(NewPromptRecord(name: "broken", hash: "x", source: "name: broken\n", author: "ada", commitMessage: nil))

        let (catalog, skipped) = try await PromptLibrary.catalog(from: store)
        #expect(skipped == ["broken@1:1: missing 'model' (the Keel model the prompt runs on)"])
        let resolved = try catalog.resolve(PromptReference(id: "hello", variables: ["who": "Ada"]))
        #expect(resolved.version == 1 && resolved.label == "production" && resolved.messages == [["role": "user", "content": "Hi Ada"]])
        #expect(catalog.names == ["hello"])
    }

    @Test func aModelKeelDoesNotHaveIsALoadErrorOnItsLine() {
        let source = "# greeting\nname: hello\nmodel: gpt-9\nmessages: [{role: user, content: hi}]\n"
        do {
            _ = try PromptLibrary.definition(source: source, file: "hello.yaml", config: Self.config)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "hello.yaml:3: model 'gpt-9' is not a configured Keel model (models: chat)")
        }
    }

    @Test func selectorsAreVersionsOrLabels() throws {
        let date = Date()
        let versions = [1, 2].map {
            PromptRecord(name: "p", version: $0, hash: "h\($0)", source: "", author: "ada", commitMessage: nil, createdAt: date)
        }
        let labels = [PromptLabelRecord(name: "p", label: "production", version: 1, updatedAt: date)]
        #expect(try PromptLibrary.select("2", name: "p", versions: versions, labels: labels).version == 2)
        #expect(try PromptLibrary.select("production", name: "p", versions: versions, labels: labels).version == 1)
        #expect(throws: KeelError.self) { try PromptLibrary.select("staging", name: "p", versions: versions, labels: labels) }
        #expect(throws: KeelError.self) { try PromptLibrary.select("3", name: "p", versions: versions, labels: labels) }
        #expect(throws: KeelError.self) { try PromptLibrary.select("1", name: "q", versions: [], labels: []) }
    }

    @Test(arguments: [
        ("support-reply", "support-reply", "production"), ("support-reply@3", "support-reply", "3"), ("a@b@staging", "a@b", "staging"),
    ])
    func promptArgumentsSplitAtTheLastAt(argument: String, name: String, selector: String) {
        #expect(PromptLibrary.split(argument) == (name, selector))
    }
}
