import Foundation
import KeelCore
import KeelPrompts
import KeelStore

/// What `keel prompts` and `/api/prompts` share: checking a file against the configuration,
/// picking a version by number or label, and the JSON of a version (Langfuse's field names).
public enum PromptLibrary {
    /// The file read and its model checked: a prompt must run on a configured Keel model.
    public static func definition(source: String, file: String, config: KeelConfig) throws(PromptFileError) -> PromptDefinition {
        let definition = try PromptDefinition.parse(yaml: source, file: file)
        guard config.model(named: definition.model) != nil else {
            let models = config.models.map(\.name).joined(separator: ", ")
            throw PromptFileError(
                file: file, line: modelLine(in: source),
                message: "model '\(definition.model)' is not a configured Keel model (models: \(models))")
        }
        return definition
    }

    public static func record(_ definition: PromptDefinition, source: String, author: String, commitMessage: String?) -> NewPromptRecord {
        NewPromptRecord(name: definition.name, hash: definition.contentHash, source: source, author: author, commitMessage: commitMessage)
    }

    /// The version `selector` names: a number (`3`) or a label (`production`). 404s naming
    /// what is missing.
    public static func select(_ selector: String, name: String, versions: [PromptRecord], labels: [PromptLabelRecord]) throws(KeelError)
        -> PromptRecord
    {
        guard !versions.isEmpty else { throw notFound(name) }
        if let number = Int(selector) {
            guard let record = versions.first(where: { $0.version == number }) else {
                throw KeelError(
                    status: 404, type: "invalid_request_error",
                    message: "Prompt '\(name)' has no version \(number) (versions: \(versions.map { String($0.version) }.joined(separator: ", "))).",
                    param: "version", code: "prompt_version_not_found")
            }
            return record
        }
        let named = labels.filter { $0.name == name }
        guard let label = named.first(where: { $0.label == selector }),
            let record = versions.first(where: { $0.version == label.version })
        else {
            throw KeelError(
                status: 404, type: "invalid_request_error",
                message: "Prompt '\(name)' has no label '\(selector)' (labels: \(named.map(\.label).joined(separator: ", "))).", param: "label",
                code: "prompt_label_not_found")
        }
        return record
    }

    /// `support-reply@3` → (support-reply, "3"); no `@` means the production label.
    public static func split(_ reference: String) -> (name: String, selector: String) {
        guard let at = reference.lastIndex(of: "@") else { return (reference, PromptReference.defaultLabel) }
        return (String(reference[..<at]), String(reference[reference.index(after: at)...]))
    }

    public static func notFound(_ name: String) -> KeelError {
        KeelError(status: 404, type: "invalid_request_error", message: "No prompt is named '\(name)'.", param: "name", code: "prompt_not_found")
    }

    /// A stored version as JSON: `name`, `version`, `labels`, `config` (model, params,
    /// variables), `prompt` (the messages), `commit_message`, `created_at`, `author`, `hash`,
    /// and the file itself as `source`.
    public static func json(_ record: PromptRecord, labels: [PromptLabelRecord]) -> JSONValue {
        var object: JSONObject = [
            "name": .string(record.name), "version": .int(Int64(record.version)),
            "labels": .array(labels.filter { $0.name == record.name && $0.version == record.version }.map { .string($0.label) }),
            "commit_message": record.commitMessage.map(JSONValue.string) ?? .null, "created_at": .string(Trace.format(record.createdAt)),
            "author": .string(record.author), "hash": .string(record.hash), "source": .string(record.source),
        ]
        // Stored files were checked when pushed; one that no longer reads (an older Keel) still shows.
        if let definition = try? PromptDefinition.parse(yaml: record.source, file: record.name) {
            object["config"] = ["model": .string(definition.model), "params": .object(definition.params), "variables": definition.variablesJSON]
            object["prompt"] = .array(definition.messages)
            object["description"] = definition.description.map(JSONValue.string) ?? .null
        }
        return .object(object)
    }

    /// A summary per prompt: its versions, where each label points, and the latest version.
    public static func list(versions: [PromptRecord], labels: [PromptLabelRecord]) -> [JSONValue] {
        Dictionary(grouping: versions, by: \.name).sorted { $0.key < $1.key }.map { name, records in
            let named = labels.filter { $0.name == name }
            let latest = records.max { $0.version < $1.version }
            return [
                "name": .string(name), "versions": .array(records.map { .int(Int64($0.version)) }),
                "labels": .array(named.map { .string($0.label) }),
                "label_versions": .object(Dictionary(uniqueKeysWithValues: named.map { ($0.label, JSONValue.int(Int64($0.version))) })),
                "latest": latest.map { .int(Int64($0.version)) } ?? .null,
                "last_updated_at": latest.map { .string(Trace.format($0.createdAt)) } ?? .null,
            ]
        }
    }

    /// Every stored version and label as the catalog the gateway serves from. A version whose
    /// file no longer reads is left out and named in `skipped`.
    public static func catalog(from store: any PromptStore) async throws -> (catalog: PromptCatalog, skipped: [String]) {
        var versions: [PromptVersion] = []
        var skipped: [String] = []
        for record in try await store.promptVersions(name: nil) {
            do {
                let definition = try PromptDefinition.parse(yaml: record.source, file: "\(record.name)@\(record.version)")
                versions.append(
                    PromptVersion(
                        name: record.name, version: record.version, definition: definition, source: record.source, hash: record.hash,
                        author: record.author, commitMessage: record.commitMessage, createdAt: record.createdAt))
            } catch {
                skipped.append(error.description)
            }
        }
        var labels: [String: [String: Int]] = [:]
        for label in try await store.promptLabels() { labels[label.name, default: [:]][label.label] = label.version }
        return (PromptCatalog(versions: versions, labels: labels), skipped)
    }

    /// The versions whose messages, as written, hold `text` (case-insensitive): a trace search
    /// adds them, since a call by reference stored as called holds its variables and history,
    /// not its version's text (`TraceQuery.searchedVersions`).
    public static func versions(containing text: String, in catalog: PromptCatalog) -> [PromptFilter] {
        guard !text.isEmpty else { return [] }
        return catalog.allVersions.filter {
            JSONValue.array($0.definition.messages).encodedString().range(of: text, options: .caseInsensitive) != nil
        }
        .map { PromptFilter(name: $0.name, version: $0.version) }
    }

    /// The line of the top-level `model:` key, for the error of a model that is not configured.
    private static func modelLine(in source: String) -> Int? {
        source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("model:") }.map { $0 + 1 }
    }
}
