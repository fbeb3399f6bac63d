import Foundation
import KeelCore
import KeelStore
import Testing

func storedIDs(_ store: any TraceStore) async throws -> [String] {
    var query = TraceQuery()
    query.limit = 1000
    return try await store.traces(query).traces.map(\.id).sorted()
}

func sampleTraces(_ prefix: String, count: Int) -> [Trace] {
    (0..<count).map { sampleTrace("\(prefix)\($0)", at: 1_800_000_000 + Double($0)) }
}

/// A dead-letter file in a fresh folder, beside where the test's database would be.
func temporaryDeadLetterFile() throws -> DeadLetterFile {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keel-deadletter-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try #require(DeadLetterFile(besideDatabase: folder.appendingPathComponent("keel.db").path))
}

func drainAll(_ file: DeadLetterFile) async throws -> (traces: [Trace], drained: DeadLetterFile.Drained) {
    var traces: [Trace] = []
    let drained = try await file.drain(batchSize: 7) { traces += $0 }
    return (traces, drained)
}

@Suite struct DeadLetterFileTests {
    @Test func liesBesideItsDatabaseAndAnInMemoryOneHasNone() {
        #expect(DeadLetterFile(besideDatabase: "/data/keel.db")?.path == "/data/keel.db.deadletter.jsonl")
        #expect(DeadLetterFile(besideDatabase: ":memory:") == nil)
    }

    @Test func aTraceReadBackEqualsTheOneWritten() async throws {
        // Every field set, the client's own request bytes kept, text that needs escaping, and a start to the microsecond.
        var whole = sampleTrace("whole", at: 0, user: "ann", tags: ["a", "b"], text: "line\nbreak \"quoted\" é🙂")
        whole.startedAt = Date(timeIntervalSince1970: Double(1_800_000_000_123_457) / 1_000_000)
        whole.latencyMs = 123.456789
        whole.ttftMs = 7.000001
        whole.errorMessage = "upstream said\nno"
        whole.usage = Trace.Usage(promptTokens: 10, completionTokens: 5, cachedTokens: 2, cacheWriteTokens: 3, reasoningTokens: 4)
        whole.costUSD = 0.000123456
        whole.requestJSON = #"{"model":"smart", "messages":[{"role":"user","content":"hi\u00e9"}]}"#
        whole.request = .null
        whole.attempts = [
            Trace.Attempt(provider: "openai", upstreamModel: "gpt-4o", outcome: .error, status: 503, error: "busy", latencyMs: 10.123456),
            Trace.Attempt(provider: "anthropic", upstreamModel: "claude", outcome: .ok, status: 200, latencyMs: 99.5),
        ]
        whole.otelTraceID = "0af7651916cd43dd8448eb211c80319c"
        whole.spanID = "b7ad6b7169203331"
        whole.parentSpanID = "00f067aa0ba902b7"
        whole.guardrails = [["check": "pii", "action": "redact", "score": 0.75]]
        whole.apiKey = "team-key"
        whole.apiTeam = "search"
        whole.cache = "miss"
        whole.savedUSD = 0.5
        whole.cacheSavingsUSD = -0.25
        whole.routing = ["router": "cheap", "model": "small", "reasons": ["short"]]
        // The fewest fields a trace has.
        let bare = Trace(id: "bare", startedAt: Date(timeIntervalSince1970: 1_800_000_000), latencyMs: 1, model: "smart")

        let file = try temporaryDeadLetterFile()
        try file.append([whole, bare])
        #expect(file.pendingLines == 2)
        let (read, drained) = try await drainAll(file)
        #expect(read == [whole, bare])
        #expect(drained == DeadLetterFile.Drained(traces: 2, skippedLines: 0))
        #expect(file.pendingLines == 0)
    }

    @Test func aTornLastLineIsSkippedAndTheOthersRecovered() async throws {
        let file = try temporaryDeadLetterFile()
        try file.append(sampleTraces("before", count: 3))
        // A crash in the middle of the next append leaves half a line.
        let torn = sampleTrace("torn", at: 1_800_000_100).completeJSON.encodedString()
        let handle = try #require(FileHandle(forWritingAtPath: file.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.prefix(torn.count / 2).utf8))
        try handle.close()
        #expect(file.pendingLines == 4)
        // The next start may append again before anything is recovered: the torn line stays a line of its own.
        try file.append(sampleTraces("after", count: 2))
        #expect(file.pendingLines == 6)

        let (store, _) = try temporaryStore()
        let drained = try await file.recover(into: store)
        #expect(drained == DeadLetterFile.Drained(traces: 5, skippedLines: 1))
        #expect(try await storedIDs(store) == ["after0", "after1", "before0", "before1", "before2"])
        #expect(file.pendingLines == 0)
    }

    @Test func recoveringTwiceInsertsNothingTwice() async throws {
        let file = try temporaryDeadLetterFile()
        let traces = sampleTraces("twice", count: 20)
        try file.append(traces)
        let contents = try Data(contentsOf: URL(fileURLWithPath: file.path))
        let (store, _) = try temporaryStore()
        #expect(try await file.recover(into: store, batchSize: 8).traces == 20)
        // As if the process died after inserting but before emptying the file.
        try contents.write(to: URL(fileURLWithPath: file.path))
        #expect(try await file.recover(into: store, batchSize: 8).traces == 20)
        #expect(try await file.recover(into: store, batchSize: 8).traces == 0)
        #expect(try await storedIDs(store) == traces.map(\.id).sorted())
    }

    @Test func aFailedRecoveryLeavesEveryTraceInTheFile() async throws {
        let file = try temporaryDeadLetterFile()
        try file.append(sampleTraces("kept", count: 10))
        // The first batch goes in, the second is refused: nothing may leave the file.
        struct Refused: Error {}
        var batches = 0
        await #expect(throws: Refused.self) {
            _ = try await file.drain(batchSize: 4) { _ in
                batches += 1
                if batches == 2 { throw Refused() }
            }
        }
        #expect(file.pendingLines == 10)
        let (store, _) = try temporaryStore()
        #expect(try await file.recover(into: store).traces == 10)
    }
}
