import ArgumentParser
import Foundation
import KeelCore
import KeelServer
import KeelStore

/// `keel keys`: Keel API keys, in the store itself (a running gateway sees them within seconds).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke Keel API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; its secret is printed once, alone on the last line.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "The key's name (unique among active keys).") var name: String
        @Option(help: "The team whose budget the key shares.") var team: String?
        @Option(help: "Spend limit in USD per day or month: 50usd/month, 5usd/day.") var budget: String?
        @Option(help: "Requests per minute.") var rpm: Int?
        @Option(help: "Tokens per minute.") var tpm: Int?
        @Option(help: "The Keel models the key may call, comma-separated (default: all).") var models: String?

        func run() async throws {
            var body: JSONObject = ["name": .string(name)]
            body["team"] = team.map(JSONValue.string)
            body["budget"] = budget.map(JSONValue.string)
            body["rpm"] = rpm.map { .int(Int64($0)) }
            body["tpm"] = tpm.map { .int(Int64($0)) }
            body["models"] = models.map { .array($0.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }) }
            let (key, secret): (APIKey, String)
            do {
                (key, secret) = try KeyRequest.mint(from: body)
                let config = try options.load().0
                for model in key.models ?? [] where config.model(named: model) == nil {
                    throw ValidationError(
                        "--models: '\(model)' is not a configured model (models: \(config.models.map(\.name).joined(separator: ", ")))")
                }
            } catch let error as KeelError {
                throw ValidationError(error.message)
            }
            let store = try await options.openStore()
            do {
                try await store.createKey(key)
            } catch let error as APIKeyNameTaken {
                throw ValidationError("\(error.description): revoke it first or pick another name")
            }
            print("created key \(key.name) (\(key.id))\(KeyTable.limits(key).map { ": " + $0 } ?? "")")
            print("store the key now: it is not shown again")
            print(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The keys (active ones, or all with --all), never their secrets.")

        @OptionGroup var options: ConfigOptions
        @Flag(help: "Include revoked keys.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let keys = try await options.openStore().keys(includingRevoked: all)
            if json {
                print(JSONValue.object(["data": .array(keys.map(\.json))]).encodedString())
            } else {
                print(KeyTable.render(keys))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its name or id.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key's name or id.") var key: String

        func run() async throws {
            guard try await options.openStore().revokeKey(key) else {
                FileHandle.standardError.write(Data("error: no active key has the id or name '\(key)'\n".utf8))
                throw ExitCode(1)
            }
            print("revoked \(key)")
        }
    }
}

/// `keel keys list` as a table.
enum KeyTable {
    static func limits(_ key: APIKey) -> String? {
        let parts = [
            key.team.map { "team \($0)" }, key.budget.map(\.description), key.rpm.map { "\($0) rpm" }, key.tpm.map { "\($0) tpm" },
            key.models.map { "models " + $0.joined(separator: ",") },
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static func render(_ keys: [APIKey]) -> String {
        guard !keys.isEmpty else { return "no keys" }
        let rows = keys.map { key in
            [key.name, key.id, key.prefix + "...", Trace.format(key.createdAt), key.isActive ? "active" : "revoked", limits(key) ?? "-"]
        }
        return FittedTable.render([["NAME", "ID", "KEY", "CREATED", "STATE", "LIMITS"]] + rows)
    }
}
