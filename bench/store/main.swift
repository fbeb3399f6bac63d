import Foundation
import KeelCore
import KeelStore

// The trace store benchmark: batch insert rate, then the latency of the queries behind
// /api/traces and /api/stats over everything inserted. Run it with bench/store.sh.

let arguments = CommandLine.arguments
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}
let count = option("--count", default: 1_000_000)
let batch = option("--batch", default: 1_000)
let path =
    arguments.firstIndex(of: "--db").map { arguments[$0 + 1] }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("keel-store-bench-\(UUID().uuidString).db").path
/// `--url postgres://...` measures a PostgreSQL store instead of a SQLite file.
let url = arguments.firstIndex(of: "--url").map { arguments[$0 + 1] } ?? "sqlite://" + path

let models = ["smart", "cheap", "vision", "embed"]
let providers = ["openai", "claude", "gemini"]
let statuses = ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "rate_limit_error"]
let start = Date().addingTimeInterval(-3_000)

func trace(_ index: Int) -> Trace {
    let model = models[index % models.count]
    let provider = providers[index % providers.count]
    return Trace(
        id: String(format: "%032x", index), startedAt: start.addingTimeInterval(Double(index) * 3_000 / Double(count)),
        latencyMs: Double(50 + (index * 7919) % 2000), ttftMs: Double(20 + index % 300), model: model, provider: provider,
        upstreamModel: "\(provider)-model", responseModel: "\(provider)-model-2025", systemFingerprint: "fp_1",
        status: statuses[index % statuses.count], httpStatus: 200, finishReason: "stop", stream: index % 2 == 0,
        usage: Trace.Usage(promptTokens: 200 + index % 500, completionTokens: 50 + index % 300, cachedTokens: 0),
        costUSD: 0.0001 * Double(1 + index % 10), user: "user-\(index % 1000)", session: "session-\(index % 10_000)", tags: ["bench"],
        request: ["messages": [["role": "user", "content": .string("question number \(index) about the weather in Paris")]]],
        output: ["content": .string("answer number \(index)")],
        attempts: [Trace.Attempt(provider: provider, upstreamModel: "\(provider)-model", outcome: .ok, status: 200, latencyMs: 40)])
}

func measure(_ label: String, runs: Int = 5, _ body: () async throws -> Void) async rethrows -> Double {
    var timings: [Double] = []
    for _ in 0..<runs {
        let clock = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - clock
        timings.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    let median = timings.sorted()[timings.count / 2]
    print(String(format: "| %@ | %.1f ms |", label, median))
    return median
}

let store = try await StoreFactory.open(StorageConfig(url: url))
FileHandle.standardError.write(Data("store: \(PostgresURL.redacting(url))\n".utf8))
print("| measure | result |")
print("|---|---|")
// Only the inserts are timed; making the synthetic traces is not.
var insertElapsed = Duration.zero
var inserted = 0
while inserted < count {
    let size = min(batch, count - inserted)
    let traces = (inserted..<(inserted + size)).map(trace)
    let insertStart = ContinuousClock.now
    try await store.insert(traces)
    insertElapsed += ContinuousClock.now - insertStart
    inserted += size
}
let insertSeconds = Double(insertElapsed.components.seconds) + Double(insertElapsed.components.attoseconds) / 1e18
print(String(format: "| insert %d traces in batches of %d | %.0f traces/s (%.1f s) |", count, batch, Double(count) / insertSeconds, insertSeconds))

var newest = TraceQuery()
newest.limit = 50
_ = try await measure("/api/traces first page (50)") { _ = try await store.traces(newest) }
var filtered = TraceQuery()
filtered.model = "vision"
filtered.status = "rate_limit_error"
filtered.limit = 50
_ = try await measure("/api/traces filtered by model and status") { _ = try await store.traces(filtered) }
var byUser = TraceQuery()
byUser.user = "user-42"
_ = try await measure("/api/traces filtered by user") { _ = try await store.traces(byUser) }
var search = TraceQuery()
search.search = "number 123456 "
_ = try await measure("/api/traces text search", runs: 3) { _ = try await store.traces(search) }
let hourAgo = Date().addingTimeInterval(-3_600)
_ = try await measure("/api/stats over all \(count) traces") { _ = try await store.stats(StatsQuery(since: hourAgo)) }
_ = try await measure("/api/stats grouped by model") { _ = try await store.stats(StatsQuery(since: hourAgo, groupBy: .model)) }
_ = try await measure("/api/stats over the last 5 minutes") {
    _ = try await store.stats(StatsQuery(since: Date().addingTimeInterval(-300), groupBy: .model))
}
if !arguments.contains("--keep") && url.hasPrefix("sqlite://") { try? FileManager.default.removeItem(atPath: path) }
