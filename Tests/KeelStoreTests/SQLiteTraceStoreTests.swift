import Foundation
import KeelCore
import KeelStore
import Logging
import ServiceLifecycle
import Testing

func temporaryStore() throws -> (SQLiteTraceStore, String) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-store-\(UUID().uuidString)/keel.db").path
    return (try SQLiteTraceStore(path: path), path)
}

func sampleTrace(
    _ id: String, at seconds: Double, model: String = "smart", status: String = "ok", latency: Double = 100, cost: Double? = 0.01,
    user: String? = nil, tags: [String] = [], text: String = "hello"
) -> Trace {
    Trace(
        id: id, startedAt: Date(timeIntervalSince1970: seconds), latencyMs: latency, ttftMs: 12.5, model: model, provider: "openai",
        upstreamModel: "gpt-4o", responseModel: "gpt-4o-2024-08-06", systemFingerprint: "fp_1", status: status,
        httpStatus: status == "ok" ? 200 : 500, finishReason: "stop", stream: true,
        usage: Trace.Usage(promptTokens: 10, completionTokens: 5, cachedTokens: 2), costUSD: cost, user: user, session: "s1", tags: tags,
        metadata: ["k": "v"], request: ["messages": [["role": "user", "content": .string(text)]]], output: ["content": "answer"],
        attempts: [Trace.Attempt(provider: "openai", upstreamModel: "gpt-4o", outcome: .ok, status: 200, latencyMs: 99)])
}

@Suite struct SQLiteTraceStoreTests {
    @Test(arguments: StoreBackend.allCases) func storesAndReadsATraceWhole(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var trace = sampleTrace("t1", at: 1_800_000_000.25, user: "ann", tags: ["a", "b"])
        trace.prompt = Trace.PromptUse(
            name: "support-reply", version: 3, label: "production", requestedModel: "gpt-4o", variables: ["product": "Keel", "question": "é?"])
        try await store.insert([trace])
        let read = try #require(try await store.trace(id: "t1"))
        #expect(read == trace)
        #expect(try await store.trace(id: "nope") == nil)
        // Short and long text, empty text and text beyond ASCII are stored byte for byte.
        var text = sampleTrace("t2", at: 1_800_000_001, user: "", text: "é🙂 " + String(repeating: "long ", count: 40))
        text.errorMessage = "naïve"
        try await store.insert([text])
        #expect(try await store.trace(id: "t2") == text)
    }

    /// A call by reference stored as called keeps its requested model and variables in its
    /// request, not in columns of their own: read back, they come from the call. (The use's
    /// own variables differ from the call's here, so a store that still wrote them would show.)
    @Test(arguments: StoreBackend.allCases) func aCallStoredAsCalledIsReadBackWithItsVariables(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let call = #"{"model":"asked","prompt":{"id":"support-reply","variables":{"product":"Keel"}},"messages":[]}"#
        var trace = sampleTrace("call", at: 1_800_000_000)
        trace.requestJSON = call
        trace.requestIsCall = true
        trace.prompt = Trace.PromptUse(
            name: "support-reply", version: 2, label: "production", requestedModel: "written", variables: ["product": "written"])
        var rendered = sampleTrace("rendered", at: 1_800_000_001)
        rendered.prompt = Trace.PromptUse(name: "support-reply", version: 2, label: nil, requestedModel: "asked", variables: ["product": "K"])
        try await store.insert([trace, rendered])

        let read = try #require(try await store.trace(id: "call"))
        #expect(read.requestIsCall)
        #expect(read.request == (try JSONValue.parse(call)))
        #expect(read.prompt?.variables == ["product": "Keel"])
        #expect(read.prompt?.requestedModel == "asked")
        #expect(read.prompt?.label == "production" && read.prompt?.reference == "support-reply@2")
        // A rendered request (no `prompt` member) is read back as it was, its columns and all.
        #expect(try await store.trace(id: "rendered") == rendered)
    }

    @Test func aCallStoredAsCalledSurvivesTheDeadLetterFile() throws {
        var trace = sampleTrace("call", at: 1_800_000_000)
        trace.requestJSON = #"{"prompt":{"id":"p","variables":{}},"messages":[]}"#
        trace.requestIsCall = true
        trace.prompt = Trace.PromptUse(name: "p", version: 1)
        let back = try Trace(completeJSON: trace.completeJSON)
        #expect(back.requestIsCall && back.requestJSON == trace.requestJSON)
        trace.requestIsCall = false
        #expect(!(try Trace(completeJSON: trace.completeJSON)).requestIsCall)
    }

    @Test(arguments: StoreBackend.allCases) func theCostReportSumsPromptCacheReadsAndSavings(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var written = sampleTrace("w", at: 1_800_000_000, model: "claude")
        written.usage.cacheWriteTokens = 2000
        written.usage.cachedTokens = nil
        written.cacheSavingsUSD = -0.0015
        var read = sampleTrace("r", at: 1_800_000_001, model: "claude")
        read.usage.cachedTokens = 2000
        read.cacheSavingsUSD = 0.0054
        let plain = sampleTrace("p", at: 1_800_000_002, model: "other")
        try await store.insert([written, read, plain])
        #expect(try await store.trace(id: "w")?.cacheSavingsUSD == -0.0015)
        let query = CostQuery(
            since: Date(timeIntervalSince1970: 1_799_999_999), until: Date(timeIntervalSince1970: 1_800_000_100), groupBy: [.model])
        let rows = try await store.cost(query)
        let claude = try #require(rows.first { $0.group["model"] == "claude" })
        #expect(claude.cachedTokens == 2000)
        #expect(abs(claude.cacheSavingsUSD - 0.0039) < 1e-12)
        let other = try #require(rows.first { $0.group["model"] == "other" })
        #expect(other.cachedTokens == 2 && other.cacheSavingsUSD == 0)
    }

    /// A trace that is its own OTel trace (no `traceparent`) is stored without its id a second
    /// time, and is still found by it, read back whole, beside traces of a client's OTel trace.
    @Test(arguments: StoreBackend.allCases) func findsTheTracesOfAnOTelTrace(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let client = "4bf92f3577b34da6a3ce929d0e0e4736"
        var own = sampleTrace("0af7651916cd43dd8448eb211c80319c", at: 1_800_000_000)
        own.otelTraceID = own.id
        var first = sampleTrace("b7ad6b7169203331b7ad6b7169203331", at: 1_800_000_001)
        first.otelTraceID = client
        var second = sampleTrace("c7ad6b7169203331b7ad6b7169203331", at: 1_800_000_002)
        second.otelTraceID = client
        let none = sampleTrace("d7ad6b7169203331b7ad6b7169203331", at: 1_800_000_003)
        try await store.insert([own, first, second, none])
        #expect(try await store.traces(otelTraceID: own.id) == [own])
        #expect(try await store.traces(otelTraceID: client) == [first, second])
        #expect(try await store.traces(otelTraceID: first.id).isEmpty, "a trace of a client's OTel trace is not found by its own id")
        #expect(try await store.trace(id: none.id)?.otelTraceID == nil)
        #expect(try await store.trace(id: own.id)?.otelTraceID == own.id)
    }

    @Test(arguments: StoreBackend.allCases) func aBatchStoresEachRowsOwnTexts(backend: StoreBackend) async throws {
        // Rows of one batch share the binder's text buffer: a long row, then shorter and empty
        // ones, then a second batch through the same cached statement.
        let store = try await backend.open()
        let texts = [String(repeating: "long text ", count: 200), "", "é🙂", "short"]
        var batch = texts.enumerated().map { index, text in
            sampleTrace(
                "b\(index)", at: 1_800_000_000 + Double(index), user: index == 1 ? "" : "user\(index)", tags: index == 2 ? [] : ["t\(index)"],
                text: text)
        }
        batch[3].requestJSON = #"{"messages":[{"role":"user","content":"short"}]}"#
        try await store.insert(batch)
        try await store.insert([sampleTrace("b4", at: 1_800_000_004, text: "next batch")])
        for trace in batch.prefix(3) {
            #expect(try await store.trace(id: trace.id) == trace)
        }
        var stored = batch[3]
        stored.requestJSON = nil  // read back as the request it holds
        #expect(try await store.trace(id: "b3") == stored)
        #expect(try await store.trace(id: "b4")?.request["messages"]?[0]?["content"]?.stringValue == "next batch")
    }

    @Test(arguments: StoreBackend.allCases) func filtersAndPagesNewestFirst(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var traces: [Trace] = []
        for index in 0..<25 {
            traces.append(
                sampleTrace(
                    "t\(index)", at: 1_800_000_000 + Double(index), model: index % 2 == 0 ? "smart" : "cheap",
                    status: index % 5 == 0 ? "rate_limit_error" : "ok", user: index < 10 ? "ann" : "bob", tags: index % 3 == 0 ? ["gold"] : [],
                    text: index == 7 ? "the secret_word here" : "hello"))
        }
        try await store.insert(traces)
        var query = TraceQuery()
        query.limit = 10
        let first = try await store.traces(query)
        #expect(first.traces.map(\.id) == (15...24).reversed().map { "t\($0)" })
        let cursor = try #require(first.nextCursor)
        query.cursor = cursor
        let second = try await store.traces(query)
        #expect(second.traces.map(\.id) == (5...14).reversed().map { "t\($0)" })
        query.cursor = second.nextCursor
        let third = try await store.traces(query)
        #expect(third.traces.count == 5)
        #expect(third.nextCursor == nil)

        var filtered = TraceQuery()
        filtered.model = "cheap"
        filtered.user = "ann"
        #expect(try await store.traces(filtered).traces.map(\.id) == ["t9", "t7", "t5", "t3", "t1"])
        filtered = TraceQuery()
        filtered.tag = "gold"
        #expect(try await store.traces(filtered).traces.count == 9)
        filtered = TraceQuery()
        filtered.status = "rate_limit_error"
        #expect(try await store.traces(filtered).traces.count == 5)
        filtered = TraceQuery()
        filtered.search = "SECRET_word"
        #expect(try await store.traces(filtered).traces.map(\.id) == ["t7"])
        filtered = TraceQuery()
        filtered.since = Date(timeIntervalSince1970: 1_800_000_020)
        filtered.until = Date(timeIntervalSince1970: 1_800_000_022)
        #expect(try await store.traces(filtered).traces.map(\.id) == ["t21", "t20"])
    }

    @Test(arguments: StoreBackend.allCases) func statsAgreeWithWhatWasStored(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var traces: [Trace] = []
        for index in 1...100 {
            traces.append(
                sampleTrace(
                    "s\(index)", at: 1_800_000_000, model: index <= 80 ? "smart" : "cheap", status: index % 10 == 0 ? "api_error" : "ok",
                    latency: Double(index), cost: index == 1 ? nil : 0.5))
        }
        try await store.insert(traces)
        let all = try await store.stats(StatsQuery(since: Date(timeIntervalSince1970: 0)))
        #expect(all.count == 1)
        let row = try #require(all.first)
        #expect(row.requests == 100)
        #expect(row.errors == 10)
        #expect(row.errorRate == 0.1)
        #expect(row.p50LatencyMs == 50)
        #expect(row.p95LatencyMs == 95)
        #expect(row.p99LatencyMs == 99)
        #expect(row.promptTokens == 1000)
        #expect(row.completionTokens == 500)
        #expect(abs(row.costUSD - 49.5) < 1e-9)
        #expect(row.unpricedRequests == 1)
        let byModel = try await store.stats(StatsQuery(since: Date(timeIntervalSince1970: 0), groupBy: .model))
        #expect(byModel.map(\.key) == ["smart", "cheap"])
        #expect(byModel.map(\.requests) == [80, 20])
        #expect(byModel[1].p50LatencyMs == 90)
        #expect(try await store.stats(StatsQuery(since: Date(timeIntervalSince1970: 1_900_000_000))).isEmpty)
    }

    /// 1,200 cancelled streams once read as a 100% error rate: a client that gives up is counted
    /// apart, never as an error nor as a latency.
    @Test(arguments: StoreBackend.allCases) func cancelledRequestsAreNeitherErrorsNorLatencies(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var traces = (1...8).map { sampleTrace("ok\($0)", at: 1_800_000_000, latency: 100) }
        traces.append(sampleTrace("failed", at: 1_800_000_000, status: "api_error", latency: 100))
        traces += (1...11).map { sampleTrace("gone\($0)", at: 1_800_000_000, status: "client_cancelled", latency: 60_000) }
        try await store.insert(traces)
        let row = try #require(try await store.stats(StatsQuery(since: Date(timeIntervalSince1970: 0))).first)
        #expect(row.requests == 20 && row.cancelled == 11 && row.errors == 1)
        #expect(abs(row.errorRate - 1.0 / 9.0) < 1e-12)
        #expect(row.p99LatencyMs == 100)
        #expect(row.json["cancelled"] == 11)
    }

    @Test(arguments: StoreBackend.allCases) func retentionByAgeAndCount(backend: StoreBackend) async throws {
        let store = try await backend.open()
        try await store.insert((0..<10).map { sampleTrace("r\($0)", at: 1_800_000_000 + Double($0)) })
        #expect(try await store.applyRetention(olderThan: Date(timeIntervalSince1970: 1_800_000_003), maxCount: nil) == 3)
        #expect(try await store.applyRetention(olderThan: nil, maxCount: 4) == 3)
        #expect(try await store.traces(TraceQuery()).traces.map(\.id) == ["r9", "r8", "r7", "r6"])
    }

    @Test(arguments: StoreBackend.allCases) func eventsRoundTrip(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let event = StoredEvent(
            createdAt: Date(timeIntervalSince1970: 1_800_000_000), kind: "model_version_changed", provider: "openai", upstreamModel: "gpt-4o",
            detail: ["from": "a", "to": "b"])
        try await store.recordEvent(event)
        #expect(try await store.events(since: nil, limit: 10) == [event])
    }
}

@Suite struct TraceWriterTests {
    @Test(arguments: StoreBackend.allCases) func anEventIsWrittenEvenFromACancelledRequest(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let writer = TraceWriter(store: store, logger: Logger(label: "test"))
        let event = StoredEvent(
            createdAt: Date(timeIntervalSince1970: 1_800_000_000), kind: "budget_alert", provider: nil, upstreamModel: nil, detail: ["percent": 80])
        let request = Task {
            while !Task.isCancelled { await Task.yield() }
            await writer.record(event)
        }
        request.cancel()
        await request.value
        #expect(try await store.events(since: nil, limit: 10) == [event])
    }

    @Test func gracefulStopWritesEveryQueuedAndOpenTrace() async throws {
        let (store, _) = try temporaryStore()
        let writer = TraceWriter(store: store, capacity: 64, batchSize: 16, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for index in 0..<500 {
            writer.begin()
            await writer.enqueue(sampleTrace("w\(index)", at: 1_800_000_000 + Double(index)))
        }
        writer.begin()  // a stream still in flight when the stop begins
        let late = Task {
            try await Task.sleep(for: .milliseconds(300))
            await writer.enqueue(sampleTrace("late", at: 1_900_000_000))
        }
        await group.triggerGracefulShutdown()
        try await running.value
        try await late.value
        #expect(writer.counters.written == 501)
        #expect(writer.counters.open == 0)
        var query = TraceQuery()
        query.limit = 1000
        #expect(try await store.traces(query).traces.count == 501)
        #expect(try await store.trace(id: "late") != nil)
    }

    @Test func partialBatchesGatherForTheFlushIntervalAndFullOnesGoAtOnce() async throws {
        let (store, _) = try temporaryStore()
        let writer = TraceWriter(store: store, capacity: 64, batchSize: 8, flushInterval: .seconds(10), logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        func add(_ ids: Range<Int>) async {
            for index in ids {
                writer.begin()
                await writer.enqueue(sampleTrace("g\(index)", at: 1_800_000_000 + Double(index)))
            }
        }
        func waitForWritten(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while writer.counters.written < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(writer.counters.written == count)
        }
        // After a quiet spell the first trace is written at once.
        await add(0..<1)
        try await waitForWritten(1)
        let quiet = ContinuousClock.now
        // A partial batch waits for the interval...
        await add(1..<3)
        try await Task.sleep(for: .milliseconds(500))
        if ContinuousClock.now - quiet < .seconds(8) { #expect(writer.counters.written == 1) }
        // ...unless it fills up: a full batch is written without waiting.
        await add(3..<9)
        try await waitForWritten(9)
        // Well before the 10 s interval: the full batch did not wait for it.
        #expect(ContinuousClock.now - quiet < .seconds(8))
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func fullQueueAppliesBackPressureAndLosesNothing() async throws {
        let (store, _) = try temporaryStore()
        let writer = TraceWriter(store: store, capacity: 4, batchSize: 2, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        await withTaskGroup(of: Void.self) { producers in
            for index in 0..<200 {
                producers.addTask {
                    writer.begin()
                    await writer.enqueue(sampleTrace("b\(index)", at: 1_800_000_000 + Double(index)))
                }
            }
            // The writer starts only after the producers have filled the queue.
            try? await Task.sleep(for: .milliseconds(100))
            #expect(writer.counters.queued == 4)
            let running = Task { try await group.run() }
            await producers.waitForAll()
            await group.triggerGracefulShutdown()
            try? await running.value
        }
        #expect(writer.counters.backpressureWaits >= 196)
        #expect(writer.counters.written == 200)
    }
}

@Suite struct TargetVersionTests {
    @Test(arguments: StoreBackend.allCases) func latestVersionPerTargetFromSuccessfulTraces(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var old = sampleTrace("v-old", at: 1_800_000_000)
        old.responseModel = "gpt-4o-2024-05-13"
        var new = sampleTrace("v-new", at: 1_800_000_010)
        new.responseModel = "gpt-4o-2024-08-06"
        var failed = sampleTrace("v-failed", at: 1_800_000_020, status: "api_error")
        failed.responseModel = nil
        try await store.insert([old, new, failed])
        let versions = try await store.latestTargetVersions()
        #expect(
            versions == [TargetVersion(provider: "openai", upstreamModel: "gpt-4o", responseModel: "gpt-4o-2024-08-06", systemFingerprint: "fp_1")])
    }
}
