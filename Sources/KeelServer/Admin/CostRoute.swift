import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// `GET /api/cost`: spend by key, team, model and day, with cache savings.
struct CostRoute {
    let store: any CostReporting

    func register(on routes: AccessGroup) {
        routes.get("/api/cost") { request, _ in
            let parameters = request.uri.queryParameters
            let query: CostQuery
            do throws(CostQuery.Invalid) {
                query = try CostQuery.parse(
                    since: parameters["since"].map(String.init), until: parameters["until"].map(String.init),
                    groupBy: parameters["group_by"].map(String.init))
            } catch {
                throw KeelError.invalidRequest(
                    "Invalid value for '\(error.parameter)': \(error.message).", param: error.parameter, code: "invalid_value")
            }
            let rows = try await store.cost(query)
            return Response.json(CostReportJSON.make(query, rows))
        }
    }
}

/// The report as `/api/cost` and `keel cost --json` give it.
public enum CostReportJSON {
    public static func make(_ query: CostQuery, _ rows: [CostRow]) -> JSONValue {
        let total = rows.reduce(into: (requests: 0, cost: 0.0, saved: 0.0, hits: 0, cached: 0, cacheSavings: 0.0)) { total, row in
            total.requests += row.requests
            total.cost += row.costUSD
            total.saved += row.savedUSD
            total.hits += row.cacheHits
            total.cached += row.cachedTokens
            total.cacheSavings += row.cacheSavingsUSD
        }
        return [
            "since": .string(Trace.format(query.since)), "until": .string(Trace.format(query.until)),
            "group_by": .array(query.groupBy.map { .string($0.rawValue) }), "data": .array(rows.map(\.json)),
            "total": [
                "requests": .int(Int64(total.requests)), "cost_usd": .double(total.cost), "saved_usd": .double(total.saved),
                "cache_hits": .int(Int64(total.hits)), "cached_tokens": .int(Int64(total.cached)),
                "cache_savings_usd": .double(total.cacheSavings),
            ],
        ]
    }
}
