import ArgumentParser
import Foundation
import KeelCore
import KeelServer
import KeelStore

/// `keel cost`: spend by key, team, model and day, read straight from the store.
struct Cost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Spend by key, team, model and day, with what the response cache and the providers' prompt caches saved.")

    @OptionGroup var options: ConfigOptions
    @Option(help: "From this time: RFC 3339 (2026-11-01T00:00:00Z), unix seconds, or a duration ago (7d). Default: the start of this UTC month.")
    var since: String?
    @Option(help: "Until this time (same forms). Default: now.") var until: String?
    @Option(name: .customLong("group-by"), help: "Comma-separated: key, team, model, day, or none.") var groupBy = "key"
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let query: CostQuery
        do throws(CostQuery.Invalid) {
            query = try CostQuery.parse(since: since, until: until, groupBy: groupBy)
        } catch {
            throw ValidationError("--\(error.parameter == "group_by" ? "group-by" : error.parameter): \(error.message)")
        }
        let rows = try await options.openStore().cost(query)
        if json {
            print(CostReportJSON.make(query, rows).encodedString())
            return
        }
        let header =
            query.groupBy.map { $0.rawValue.uppercased() } + [
                "REQUESTS", "TOKENS IN", "TOKENS OUT", "COST USD", "SAVED USD", "CACHE HITS", "CACHED TOKENS", "CACHE SAVINGS USD",
            ]
        let lines = rows.map { row in
            query.groupBy.map { (row.group[$0.rawValue] ?? nil) ?? "-" } + [
                String(row.requests), String(row.promptTokens), String(row.completionTokens), String(format: "%.6f", row.costUSD),
                String(format: "%.6f", row.savedUSD), String(row.cacheHits), String(row.cachedTokens),
                String(format: "%.6f", row.cacheSavingsUSD),
            ]
        }
        let total =
            ["TOTAL"] + Array(repeating: "", count: max(0, query.groupBy.count - 1)) + [
                String(rows.map(\.requests).reduce(0, +)), "", "", String(format: "%.6f", rows.map(\.costUSD).reduce(0, +)),
                String(format: "%.6f", rows.map(\.savedUSD).reduce(0, +)), String(rows.map(\.cacheHits).reduce(0, +)),
                String(rows.map(\.cachedTokens).reduce(0, +)), String(format: "%.6f", rows.map(\.cacheSavingsUSD).reduce(0, +)),
            ]
        print("spend from \(Trace.format(query.since)) to \(Trace.format(query.until))")
        print(FittedTable.render([header] + lines + [Array(total.suffix(header.count))]))
    }
}
