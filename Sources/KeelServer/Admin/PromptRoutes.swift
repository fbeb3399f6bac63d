import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import KeelPrompts
import KeelStore

/// `/api/prompts`: push prompt files, read their versions, move and roll back labels, diff two
/// versions (the same as `keel prompts`).
struct PromptRoutes {
    let store: any PromptStore
    let gateway: Gateway
    /// Serves what a route changed at once, rather than at the next poll of the store.
    let refresher: PromptCatalogRefresher
    /// `prompts.protected_labels`.
    let gate: ProtectedLabelGate
    let maxBodyBytes: Int

    func register(on routes: AccessGroup) {
        routes.get("/api/prompts") { _, _ in
            let list = PromptLibrary.list(versions: try await store.promptVersions(name: nil), labels: try await store.promptLabels())
            return Response.json(["object": "list", "data": .array(list)])
        }
        routes.post("/api/prompts") { request, _ in
            let body = try await AdminBody.object(request, limit: maxBodyBytes)
            if let given = body["source"], given.stringValue == nil {
                throw KeelError.invalidRequest(
                    "Invalid 'source': expected the prompt file's YAML as a string, found \(given.typeName).", param: "source", code: "invalid_type")
            }
            guard let source = body["source"]?.stringValue else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: 'source' (the prompt file's YAML, as a string).", param: "source", code: "missing_required_parameter"
                )
            }
            let commitMessage = try AdminBody.optionalString(body, "commit_message")
            let author = try AdminBody.optionalString(body, "author") ?? "api"
            let definition: PromptDefinition
            do throws(PromptFileError) {
                definition = try PromptLibrary.definition(source: source, file: "source", config: gateway.config)
            } catch {
                throw KeelError.invalidRequest("The prompt file has an error: \(error.description)", param: "source", code: "invalid_prompt_file")
            }
            let outcome = try await store.pushPrompt(PromptLibrary.record(definition, source: source, author: author, commitMessage: commitMessage))
            try? await refresher.refresh()
            let versions = try await store.promptVersions(name: definition.name)
            guard let record = versions.first(where: { $0.version == outcome.version }) else { throw PromptLibrary.notFound(definition.name) }
            var json = PromptLibrary.json(record, labels: try await store.promptLabels()).objectValue ?? [:]
            if case .created = outcome { json["created"] = true } else { json["created"] = false }
            json["warnings"] = .array(definition.warnings.map(JSONValue.string))
            return Response.json(.object(json), status: .created)
        }
        routes.get("/api/prompts/{name}") { request, context in
            let name = try context.pathParameter("name")
            let parameters = request.uri.queryParameters
            let selector: String
            switch (parameters["version"].map(String.init), parameters["label"].map(String.init)) {
            case (let version?, nil):
                guard let number = Int(version), number > 0 else {
                    throw KeelError.invalidRequest(
                        "Invalid value for 'version': expected a version number (1, 2, ...).", param: "version", code: "invalid_value")
                }
                selector = String(number)
            case (nil, let label?):
                guard PromptName.isValid(label) else {
                    throw KeelError.invalidRequest("Invalid value for 'label': use \(PromptName.rule).", param: "label", code: "invalid_value")
                }
                selector = label
            case (nil, nil):
                selector = PromptReference.defaultLabel
            case (.some, .some):
                throw KeelError.invalidRequest("Give 'version' or 'label', not both.", param: "version", code: "invalid_value")
            }
            let labels = try await store.promptLabels()
            let record = try PromptLibrary.select(selector, name: name, versions: try await store.promptVersions(name: name), labels: labels)
            return Response.json(PromptLibrary.json(record, labels: labels))
        }
        routes.get("/api/prompts/{name}/versions") { _, context in
            let name = try context.pathParameter("name")
            let versions = try await store.promptVersions(name: name)
            guard !versions.isEmpty else { throw PromptLibrary.notFound(name) }
            let labels = try await store.promptLabels()
            return Response.json(["object": "list", "data": .array(versions.map { PromptLibrary.json($0, labels: labels) })])
        }
        routes.post("/api/prompts/{name}/labels") { request, context in
            let name = try context.pathParameter("name")
            let body = try await AdminBody.object(request, limit: maxBodyBytes)
            guard let label = body["label"]?.stringValue else {
                throw KeelError.invalidRequest("Missing required parameter: 'label' (a string).", param: "label", code: "missing_required_parameter")
            }
            try PromptLabelName.check(label)
            guard let version = body["version"]?.integerValue.flatMap({ Int(exactly: $0) }), version > 0 else {
                throw KeelError.invalidRequest(
                    "Missing or invalid parameter: 'version' (a version number: 1, 2, ...).", param: "version", code: "invalid_value")
            }
            let author = try AdminBody.optionalString(body, "author") ?? "api"
            let force = try AdminBody.optionalBool(body, "force") ?? false
            try await gate.check(name: name, label: label, version: version, force: force, author: author, via: "api")
            try await Self.storeErrors { try await store.movePromptLabel(name: name, label: label, version: version, author: author) }
            try? await refresher.refresh()
            return Response.json(["name": .string(name), "label": .string(label), "version": .int(Int64(version))])
        }
        routes.post("/api/prompts/{name}/rollback") { request, context in
            let name = try context.pathParameter("name")
            let body = try await AdminBody.object(request, limit: maxBodyBytes, emptyAllowed: true)
            let label = try AdminBody.optionalString(body, "label") ?? PromptReference.defaultLabel
            try PromptLabelName.check(label)
            let author = try AdminBody.optionalString(body, "author") ?? "api"
            let moved = try await Self.storeErrors { try await store.rollbackPromptLabel(name: name, label: label, author: author) }
            try? await refresher.refresh()
            return Response.json([
                "name": .string(name), "label": .string(label), "from": .int(Int64(moved.from)), "to": .int(Int64(moved.to)),
            ])
        }
        routes.get("/api/prompts/{name}/diff") { request, context in
            let name = try context.pathParameter("name")
            let parameters = request.uri.queryParameters
            guard let from = parameters["from"].map(String.init), let to = parameters["to"].map(String.init) else {
                throw KeelError.invalidRequest(
                    "Give 'from' and 'to': each a version number or a label.", param: parameters["from"] == nil ? "from" : "to",
                    code: "missing_required_parameter")
            }
            let versions = try await store.promptVersions(name: name)
            let labels = try await store.promptLabels()
            let old = try PromptLibrary.select(from, name: name, versions: versions, labels: labels)
            let new = try PromptLibrary.select(to, name: name, versions: versions, labels: labels)
            return Response.json([
                "name": .string(name), "from": .int(Int64(old.version)), "to": .int(Int64(new.version)),
                "diff": .string(UnifiedDiff.diff(old.source, new.source, fromLabel: "\(name)@\(old.version)", toLabel: "\(name)@\(new.version)")),
            ])
        }
    }

    /// The store's errors as 404s (an unknown prompt, version or label) and 409s (nothing to roll back).
    private static func storeErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PromptStoreError {
            let (status, param, code): (Int, String, String)
            switch error {
            case .promptNotFound: (status, param, code) = (404, "name", "prompt_not_found")
            case .versionNotFound: (status, param, code) = (404, "version", "prompt_version_not_found")
            case .labelNotFound: (status, param, code) = (404, "label", "prompt_label_not_found")
            case .nothingToRollBack: (status, param, code) = (409, "label", "nothing_to_roll_back")
            }
            let message = error.description.prefix(1).uppercased() + error.description.dropFirst() + "."
            throw KeelError(status: status, type: "invalid_request_error", message: message, param: param, code: code)
        }
    }
}
