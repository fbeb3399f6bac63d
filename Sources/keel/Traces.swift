import ArgumentParser
import Foundation
import KeelCore
import KeelServer
import KeelStore

/// `keel traces`: the stored traces, read straight from the store (a server need not run).
struct Traces: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, follow and summarise stored traces; recover those the store refused.",
        subcommands: [List.self, Show.self, Tail.self, Stats.self, Recover.self], defaultSubcommand: List.self)

    struct Filters: ParsableArguments {
        @Option(help: "Only this client model name.") var model: String?
        @Option(help: "Only this provider.") var provider: String?
        @Option(help: "Only this status (ok, rate_limit_error, ...).") var status: String?
        @Option(help: "Only this user.") var user: String?
        @Option(help: "Only this session.") var session: String?
        @Option(help: "Only traces with this tag.") var tag: String?
        @Option(help: "Only calls of this prompt by reference: NAME or NAME@VERSION.") var prompt: String?
        @Option(help: "From this time: RFC 3339 (2026-11-01T00:00:00Z), unix seconds, or a duration ago (30m, 2h, 7d).") var since: String?
        @Option(help: "Until this time (same forms as --since).") var until: String?
        @Option(name: [.customShort("q"), .long], help: "Text search in requests and outputs.") var search: String?

        /// `searchedVersions`: the prompt versions `--search` matches through (`StoredCallRenderer`).
        func query(limit: Int, searchedVersions: [PromptFilter] = []) throws -> TraceQuery {
            var query = TraceQuery()
            query.searchedVersions = searchedVersions
            query.model = model
            query.provider = provider
            query.status = status
            query.user = user
            query.session = session
            query.tag = tag
            query.search = search
            if let prompt {
                guard let parsed = PromptFilter(prompt) else {
                    throw ValidationError("--prompt must be NAME or NAME@VERSION, not '\(prompt)'")
                }
                query.prompt = parsed
            }
            query.since = try since.map { try TimeArgument.date($0, option: "--since") }
            query.until = try until.map { try TimeArgument.date($0, option: "--until") }
            query.limit = limit
            return query
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest traces, with filters.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters
        @Option(help: "How many traces.") var limit: Int = 20
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let renderer = StoredCallRenderer(store: store)
            let page = try await store.traces(try filters.query(limit: limit, searchedVersions: try await renderer.searchedVersions(filters.search)))
            if json {
                let traces = try await renderer.sent(page.traces)
                print(
                    JSONValue.object(["data": .array(traces.map(\.json)), "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null])
                        .encodedString())
            } else {
                print(TraceTable.render(page.traces))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One trace, whole.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The trace id (the x-keel-trace-id header).") var id: String

        func run() async throws {
            let store = try await options.openStore()
            guard let trace = try await store.trace(id: id) else {
                FileHandle.standardError.write(Data("error: no trace has the id \(id)\n".utf8))
                throw ExitCode(1)
            }
            print(PrettyJSON.render(try await StoredCallRenderer(store: store).sent(trace).json))
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow new traces as they are written.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters
        @Flag(help: "One JSON object a line.") var json = false
        @Option(help: "Polling interval in milliseconds.") var intervalMs: Int = 500

        func run() async throws {
            let store = try await options.openStore()
            let renderer = StoredCallRenderer(store: store)
            let searchedVersions = try await renderer.searchedVersions(filters.search)
            var seen = Set(try await store.traces(try filters.query(limit: 200, searchedVersions: searchedVersions)).traces.map(\.id))
            var since = Date().addingTimeInterval(-5)
            if !json { announce(TraceTable.header) }
            while !Task.isCancelled {
                var query = try filters.query(limit: 500, searchedVersions: searchedVersions)
                query.since = since
                let fresh = try await store.traces(query).traces.reversed().filter { !seen.contains($0.id) }
                for trace in fresh {
                    seen.insert(trace.id)
                    announce(json ? try await renderer.sent(trace).json.encodedString() : TraceTable.row(trace))
                    since = max(since, trace.startedAt.addingTimeInterval(-60))
                }
                try await Task.sleep(for: .milliseconds(intervalMs))
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requests, error rate, latency percentiles, tokens and cost.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "How far back: 15m, 1h, 24h, 7d.") var window: String = "1h"
        @Option(help: "Group by model, provider, user, prompt (NAME@VERSION) or none.") var groupBy: String = "none"
        @Flag(help: "JSON for scripts.") var json = false

        func run() async throws {
            guard let grouping = StatsQuery.Grouping(rawValue: groupBy) else {
                throw ValidationError(
                    "--group-by must be one of: \(StatsQuery.Grouping.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let seconds = try TimeArgument.duration(window, option: "--window")
            let rows = try await options.openStore().stats(StatsQuery(since: Date().addingTimeInterval(-seconds), groupBy: grouping))
            if json {
                print(
                    JSONValue.object(["window_seconds": .int(Int64(seconds)), "group_by": .string(groupBy), "data": .array(rows.map(\.json))])
                        .encodedString())
            } else {
                print(StatsTable.render(rows, grouping: grouping))
            }
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the traces of the dead-letter file (beside the database) back into the store, and empty it.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (config, _) = try options.load()
            guard let file = StoreFactory.deadLetterFile(config.storage) else {
                print("recovered 0 traces: an in-memory store has no dead-letter file")
                return
            }
            let store = try await options.openStore()
            do {
                let drained = try await file.recover(into: store, batchSize: config.storage.batchSize)
                print("recovered \(drained.traces) traces from \(file.path), skipped \(drained.skippedLines) unreadable lines")
            } catch {
                FileHandle.standardError.write(Data("error: recovery failed, the traces stay in \(file.path): \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

extension ConfigOptions {
    func openStore() async throws -> any KeelStorage {
        let (config, _) = try load()
        do {
            return try await StoreFactory.open(config.storage)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
