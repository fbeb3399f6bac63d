import Foundation
import KeelCore
import NIOHTTP1
import Testing

/// `/api/prompts` and `keel prompts` against one gateway's store.
@Suite struct PromptRoutesTests {
    static let adminKey = "admin-key-for-the-prompt-tests-0123456789"
    static let admin = ["authorization": "Bearer \(adminKey)"]

    static let supportReply = """
        name: support-reply
        model: chat                       # the Keel model it runs on (the pin)
        params: {temperature: 0.2, max_tokens: 300}
        variables: {product: string, question: string}
        messages:
          - {role: system, content: "You answer questions about {{product}}. Be brief."}
          - {role: user, content: "{{question}}"}
        """

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: "  - {name: chat, targets: [{provider: inproc, model: echo}]}", extra: "auth: {admin_key: \"\(adminKey)\"}")
    }

    @Test func pushReadLabelRollBackAndDiff() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let api = harness.gateway.baseURL + "/api/prompts"

        let first = try await TestHTTP.post(
            api, json: ["source": .string(Self.supportReply), "commit_message": "first", "author": "ada"], headers: Self.admin)
        #expect(first.status == 201, "\(first.body)")
        #expect(first.json?["created"] == true && first.json?["version"] == 1 && first.json?["labels"] == ["latest", "production"])
        #expect(first.json?["config"]?["model"] == "chat" && first.json?["config"]?["variables"] == ["product": "string", "question": "string"])
        #expect(first.json?["prompt"]?[1] == ["role": "user", "content": "{{question}}"])
        #expect(first.json?["commit_message"] == "first" && first.json?["author"] == "ada")

        let again = try await TestHTTP.post(api, json: ["source": .string(Self.supportReply + "\n# a comment\n")], headers: Self.admin)
        #expect(again.status == 201 && again.json?["created"] == false && again.json?["version"] == 1)

        let edited = Self.supportReply.replacingOccurrences(of: "Be brief.", with: "Be kind.")
        #expect(try await TestHTTP.post(api, json: ["source": .string(edited)], headers: Self.admin).json?["version"] == 2)

        #expect(try await TestHTTP.get(api + "/support-reply", headers: Self.admin).json?["version"] == 1)
        #expect(try await TestHTTP.get(api + "/support-reply?label=latest", headers: Self.admin).json?["version"] == 2)
        #expect(try await TestHTTP.get(api + "/support-reply?version=2", headers: Self.admin).json?["labels"] == ["latest"])
        #expect(try await TestHTTP.get(api + "/support-reply/versions", headers: Self.admin).json?["data"]?.arrayValue?.count == 2)
        let list = try await TestHTTP.get(api, headers: Self.admin)
        #expect(list.json?["data"]?[0]?["label_versions"] == ["latest": 2, "production": 1])

        let diff = try await TestHTTP.get(api + "/support-reply/diff?from=production&to=latest", headers: Self.admin)
        #expect(
            diff.json?["diff"]?.stringValue?.contains("-  - {role: system, content: \"You answer questions about {{product}}. Be brief.\"}") == true)
        #expect(diff.json?["diff"]?.stringValue?.hasPrefix("--- support-reply@1\n+++ support-reply@2\n@@ -3,5 +3,5 @@\n") == true)

        let moved = try await TestHTTP.post(api + "/support-reply/labels", json: ["label": "production", "version": 2], headers: Self.admin)
        #expect(moved.status == 200 && moved.json == ["name": "support-reply", "label": "production", "version": 2])
        let rolledBack = try await TestHTTP.post(api + "/support-reply/rollback", json: [:], headers: Self.admin)
        #expect(rolledBack.json == ["name": "support-reply", "label": "production", "from": 2, "to": 1])
        let nothing = try await TestHTTP.post(api + "/support-reply/rollback", json: ["label": "production"], headers: Self.admin)
        #expect(nothing.status == 409 && nothing.json?["error"]?["code"] == "nothing_to_roll_back")
    }

    @Test func badInputIsA4xxNamingTheProblem() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let api = harness.gateway.baseURL + "/api/prompts"
        _ = try await TestHTTP.post(api, json: ["source": .string(Self.supportReply)], headers: Self.admin)

        let undeclared = try await TestHTTP.post(
            api, json: ["source": "name: a\nmodel: chat\nmessages:\n  - {role: user, content: \"{{x}}\"}\n"], headers: Self.admin)
        #expect(undeclared.status == 400 && undeclared.json?["error"]?["code"] == "invalid_prompt_file")
        #expect(undeclared.json?["error"]?["message"]?.stringValue?.contains("source:4: variable 'x' is used but not declared") == true)
        let unknownModel = try await TestHTTP.post(
            api, json: ["source": "name: a\nmodel: nope\nmessages: [{role: user, content: hi}]\n"], headers: Self.admin)
        #expect(unknownModel.status == 400)
        #expect(unknownModel.json?["error"]?["message"]?.stringValue?.contains("source:2: model 'nope' is not a configured Keel model") == true)

        let cases: [(HTTPMethod, String, JSONValue?, Int, String?)] = [
            (.POST, "", ["commit_message": "no source"], 400, "missing_required_parameter"),
            (.POST, "", ["source": 5], 400, "invalid_type"),
            (.GET, "/nope", nil, 404, "prompt_not_found"),
            (.GET, "/nope/versions", nil, 404, "prompt_not_found"),
            (.GET, "/support-reply?version=7", nil, 404, "prompt_version_not_found"),
            (.GET, "/support-reply?version=zero", nil, 400, "invalid_value"),
            (.GET, "/support-reply?label=canary", nil, 404, "prompt_label_not_found"),
            (.GET, "/support-reply?label=a%20b", nil, 400, "invalid_value"),
            (.GET, "/support-reply?version=1&label=latest", nil, 400, "invalid_value"),
            (.GET, "/support-reply/diff?from=1", nil, 400, "missing_required_parameter"),
            (.GET, "/support-reply/diff?from=1&to=9", nil, 404, "prompt_version_not_found"),
            (.POST, "/support-reply/labels", ["label": "latest", "version": 1], 400, "invalid_value"),
            (.POST, "/support-reply/labels", ["label": "staging", "version": "one"], 400, "invalid_value"),
            (.POST, "/support-reply/labels", ["label": "staging", "version": 9], 404, "prompt_version_not_found"),
            (.POST, "/nope/labels", ["label": "staging", "version": 1], 404, "prompt_not_found"),
            (.POST, "/nope/rollback", [:], 404, "prompt_not_found"),
            (.POST, "/support-reply/rollback", ["label": "canary"], 404, "prompt_label_not_found"),
            (.POST, "/support-reply/rollback", ["label": 3], 400, "invalid_type"),
        ]
        for (method, path, body, status, code) in cases {
            let reply = try await TestHTTP.request(method, api + path, body: body?.encodedString(), headers: Self.admin)
            #expect(reply.status == status && reply.json?["error"]?["code"]?.stringValue == code, "\(method) \(path): \(reply.status) \(reply.body)")
        }
        let notJSON = try await TestHTTP.request(.POST, api, body: "{", headers: Self.admin)
        #expect(notJSON.status == 400 && notJSON.json?["error"]?["code"] == "invalid_json")
    }

    @Test func onlyTheAdminKeyMayCallThem() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let created = try await TestHTTP.post(harness.gateway.baseURL + "/api/keys", json: ["name": "app"], headers: Self.admin)
        let apiKey = try #require(created.json?["key"]?.stringValue)
        let api = harness.gateway.baseURL + "/api/prompts"
        #expect(try await TestHTTP.get(api, headers: ["authorization": "Bearer \(apiKey)"]).status == 401)
        #expect(
            try await TestHTTP.post(api, json: ["source": .string(Self.supportReply)], headers: ["authorization": "Bearer \(apiKey)"]).status == 401)
        #expect(try await TestHTTP.get(api).status == 401)
        #expect(try await TestHTTP.get(api, headers: Self.admin).json?["data"] == [])
    }

    @Test func theCommandLineWritesTheStoreTheGatewayReads() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keel-prompts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.supportReply.write(to: folder.appendingPathComponent("nested/support-reply.yaml"), atomically: true, encoding: .utf8)
        let config = ["--config", harness.configPath]
        func keel(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            try await KeelProcess.run(arguments + config, environment: GatewayHarness.environment)
        }

        let pushed = try await keel(["prompts", "push", folder.path, "--message", "first", "--author", "ada"])
        #expect(pushed.status == 0 && pushed.output.contains("support-reply v1 (new)"), "\(pushed.output)")
        let unchanged = try await keel(["prompts", "push", folder.path])
        #expect(unchanged.output.contains("support-reply v1 (unchanged)"), "\(unchanged.output)")
        let read = try await TestHTTP.get(harness.gateway.baseURL + "/api/prompts/support-reply", headers: Self.admin)
        #expect(read.json?["commit_message"] == "first" && read.json?["author"] == "ada")

        try "name: bad\nmodel: nope\nmessages: [{role: user, content: hi}]\n".write(
            to: folder.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        let refused = try await keel(["prompts", "push", folder.path])
        #expect(refused.status != 0 && refused.output.contains("bad.yml:2: model 'nope' is not a configured Keel model"), "\(refused.output)")
        #expect(try await TestHTTP.get(harness.gateway.baseURL + "/api/prompts/bad", headers: Self.admin).status == 404)

        let shown = try await keel(["prompts", "show", "support-reply@production", "--json"])
        #expect(shown.status == 0 && shown.output.contains("\"version\":1"), "\(shown.output)")
        let missing = try await keel(["prompts", "show", "support-reply@9"])
        #expect(missing.status == 1 && missing.output.contains("error: Prompt 'support-reply' has no version 9"), "\(missing.output)")
        let rollback = try await keel(["prompts", "rollback", "support-reply"])
        #expect(rollback.status == 1 && rollback.output.contains("no earlier version"), "\(rollback.output)")

        try FileManager.default.removeItem(at: folder.appendingPathComponent("bad.yml"))
        let file = folder.appendingPathComponent("nested/support-reply.yaml")
        try Self.supportReply.replacingOccurrences(of: "Be brief.", with: "Be kind.").write(to: file, atomically: true, encoding: .utf8)
        #expect(try await keel(["prompts", "push", file.path]).output.contains("support-reply v2 (new)"))
        let labelled = try await keel(["prompts", "label", "support-reply", "2", "production"])
        #expect(labelled.status == 0 && labelled.output.contains("support-reply production -> v2"), "\(labelled.output)")
        let back = try await keel(["prompts", "rollback", "support-reply", "--label", "production"])
        #expect(back.status == 0 && back.output.contains("support-reply production: v2 -> v1"), "\(back.output)")
        let diff = try await keel(["prompts", "diff", "support-reply", "production", "latest"])
        #expect(diff.output.contains("--- support-reply@1\n+++ support-reply@2\n@@ -3,5 +3,5 @@\n"), "\(diff.output)")
        let text = try await keel(["prompts", "show", "support-reply"])
        #expect(text.output.contains("# support-reply v1\n# labels: production\n# author: ada\n# message: first\n"), "\(text.output)")
        #expect(text.output.contains(Self.supportReply))
        let list = try await keel(["prompts", "list"])
        #expect(list.output.contains("support-reply") && list.output.contains("latest=v2 production=v1"), "\(list.output)")
    }
}
