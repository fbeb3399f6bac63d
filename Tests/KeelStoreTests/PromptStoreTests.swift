import Foundation
import KeelStore
import Testing

@Suite struct PromptStoreTests {
    static func record(_ hash: String, name: String = "support-reply", message: String? = nil) -> NewPromptRecord {
        NewPromptRecord(name: name, hash: hash, source: "name: \(name) # \(hash)\n", author: "ada", commitMessage: message)
    }

    static func labels(_ store: any KeelStorage, _ name: String = "support-reply") async throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try await store.promptLabels().filter { $0.name == name }.map { ($0.label, $0.version) })
    }

    @Test(arguments: StoreBackend.allCases) func aPushStoresANewVersionOnlyWhenTheContentChanged(backend: StoreBackend) async throws {
        let store = try await backend.open()
        #expect(try await store.pushPrompt(Self.record("h1", message: "first")) == .created(1))
        #expect(try await Self.labels(store) == ["latest": 1, "production": 1])
        #expect(try await store.pushPrompt(Self.record("h1")) == .unchanged(1))
        #expect(try await store.pushPrompt(Self.record("h2")) == .created(2))
        // `production` stays where it was; `latest` follows the push.
        #expect(try await Self.labels(store) == ["latest": 2, "production": 1])
        #expect(try await store.pushPrompt(Self.record("h1")) == .created(3))
        #expect(try await store.pushPrompt(Self.record("h1", name: "other")) == .created(1))

        let versions = try await store.promptVersions(name: "support-reply")
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions[0].commitMessage == "first" && versions[0].author == "ada" && versions[0].source == "name: support-reply # h1\n")
        #expect(try await store.promptVersions(name: nil).map(\.name) == ["other", "support-reply", "support-reply", "support-reply"])
        #expect(try await store.promptVersions(name: "none").isEmpty)
    }

    @Test(arguments: StoreBackend.allCases) func labelsMoveAndRollBackLikeAnUndoStack(backend: StoreBackend) async throws {
        let store = try await backend.open()
        for hash in ["h1", "h2", "h3", "h4"] { _ = try await store.pushPrompt(Self.record(hash)) }
        try await store.movePromptLabel(name: "support-reply", label: "production", version: 2, author: "ada")
        try await store.movePromptLabel(name: "support-reply", label: "production", version: 3, author: "ada")
        try await store.movePromptLabel(name: "support-reply", label: "staging", version: 4, author: "ada")
        #expect(try await Self.labels(store) == ["latest": 4, "production": 3, "staging": 4])

        #expect(try await store.rollbackPromptLabel(name: "support-reply", label: "production", author: "bob") == (3, 2))
        #expect(try await store.rollbackPromptLabel(name: "support-reply", label: "production", author: "bob") == (2, 1))
        await #expect(throws: PromptStoreError.nothingToRollBack(name: "support-reply", label: "production")) {
            try await store.rollbackPromptLabel(name: "support-reply", label: "production", author: "bob")
        }
        // A move after rollbacks is undone first, then the undo stack continues where it was.
        try await store.movePromptLabel(name: "support-reply", label: "production", version: 4, author: "ada")
        #expect(try await store.rollbackPromptLabel(name: "support-reply", label: "production", author: "bob") == (4, 1))
        #expect(try await Self.labels(store)["production"] == 1)
        // A label that was only ever created has nothing to go back to.
        await #expect(throws: PromptStoreError.nothingToRollBack(name: "support-reply", label: "staging")) {
            try await store.rollbackPromptLabel(name: "support-reply", label: "staging", author: "bob")
        }
    }

    @Test(arguments: StoreBackend.allCases) func unknownPromptsVersionsAndLabelsAreNamed(backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await store.pushPrompt(Self.record("h1"))
        await #expect(throws: PromptStoreError.promptNotFound("nope")) {
            try await store.movePromptLabel(name: "nope", label: "production", version: 1, author: "ada")
        }
        await #expect(throws: PromptStoreError.versionNotFound(name: "support-reply", version: 7)) {
            try await store.movePromptLabel(name: "support-reply", label: "production", version: 7, author: "ada")
        }
        await #expect(throws: PromptStoreError.labelNotFound(name: "support-reply", label: "canary")) {
            try await store.rollbackPromptLabel(name: "support-reply", label: "canary", author: "ada")
        }
        await #expect(throws: PromptStoreError.promptNotFound("nope")) {
            try await store.rollbackPromptLabel(name: "nope", label: "production", author: "ada")
        }
    }

    @Test(arguments: StoreBackend.allCases) func theRevisionChangesWithEveryWrite(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var seen = [try await store.promptRevision()]
        func changed() async throws -> Bool {
            let revision = try await store.promptRevision()
            defer { seen.append(revision) }
            return !seen.contains(revision)
        }
        _ = try await store.pushPrompt(Self.record("h1"))
        #expect(try await changed())
        _ = try await store.pushPrompt(Self.record("h1"))
        #expect(try await changed() == false)
        _ = try await store.pushPrompt(Self.record("h2"))
        #expect(try await changed())
        try await store.movePromptLabel(name: "support-reply", label: "production", version: 2, author: "ada")
        #expect(try await changed())
        _ = try await store.rollbackPromptLabel(name: "support-reply", label: "production", author: "ada")
        #expect(try await changed())
        _ = try await store.promptVersions(name: nil)
        #expect(try await changed() == false)
    }
}
