import Foundation
import KeelCore
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A store that refuses inserts on purpose: the first `failures` of them (every one by default), then it is the real one.
final class FailingTraceStore: TraceStore {
    struct Refused: Error {}

    let store: SQLiteTraceStore
    private let remainingFailures: Mutex<Int>

    init(_ store: SQLiteTraceStore, failures: Int = .max) {
        self.store = store
        remainingFailures = Mutex(failures)
    }

    func insert(_ traces: [Trace]) async throws {
        let refuse = remainingFailures.withLock { remaining in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if refuse { throw Refused() }
        try await store.insert(traces)
    }

    /// The store takes writes from now on.
    func heal() {
        remainingFailures.withLock { $0 = 0 }
    }

    func trace(id: String) async throws -> Trace? { try await store.trace(id: id) }
    func traces(_ query: TraceQuery) async throws -> TracePage { try await store.traces(query) }
    func stats(_ query: StatsQuery) async throws -> [StatsRow] { try await store.stats(query) }
    func applyRetention(olderThan date: Date?, maxCount: Int?) async throws -> Int {
        try await store.applyRetention(olderThan: date, maxCount: maxCount)
    }
    func recordEvent(_ event: StoredEvent) async throws { try await store.recordEvent(event) }
    func events(since: Date?, limit: Int) async throws -> [StoredEvent] { try await store.events(since: since, limit: limit) }
    func insertSpans(_ spans: [Span]) async throws { try await store.insertSpans(spans) }
    func spans(otelTraceID: String) async throws -> [Span] { try await store.spans(otelTraceID: otelTraceID) }
    func traces(otelTraceID: String) async throws -> [Trace] { try await store.traces(otelTraceID: otelTraceID) }
    func latestTargetVersions() async throws -> [TargetVersion] { try await store.latestTargetVersions() }
}

/// Runs a writer on `store` until every one of `traces` is handed over, then stops it gracefully.
private func runWriter(store: any TraceStore, deadLetter: DeadLetterFile, traces: [Trace], batchSize: Int = 16) async throws -> TraceWriter {
    let writer = TraceWriter(
        store: store, capacity: 64, batchSize: batchSize, deadLetter: deadLetter, retryDelay: .milliseconds(1), logger: Logger(label: "test"))
    let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
    let running = Task { try await group.run() }
    for trace in traces {
        writer.begin()
        await writer.enqueue(trace)
    }
    await group.triggerGracefulShutdown()
    try await running.value
    return writer
}

@Suite struct TraceWriterDeadLetterTests {
    @Test func aSQLiteStoresWriterDeadLettersBesideTheDatabase() {
        #expect(StoreFactory.deadLetterFile(StorageConfig(url: "sqlite://keel.db"))?.path == "keel.db.deadletter.jsonl")
        #expect(StoreFactory.deadLetterFile(StorageConfig(url: "sqlite://:memory:")) == nil)
    }

    @Test func batchesTheStoreKeepsRefusingGoToTheDeadLetterFileNoneLost() async throws {
        let (healthy, _) = try temporaryStore()
        let file = try temporaryDeadLetterFile()
        let traces = sampleTraces("refused", count: 100)
        let writer = try await runWriter(store: FailingTraceStore(healthy), deadLetter: file, traces: traces)
        #expect(writer.counters.written == 0)
        #expect(writer.counters.deadLettered == 100)
        #expect(writer.deadLetterPending == 100)
        #expect(try await storedIDs(healthy).isEmpty)
        let (read, drained) = try await drainAll(file)
        #expect(drained.skippedLines == 0)
        #expect(read.map(\.id).sorted() == traces.map(\.id).sorted())
    }

    @Test func onlyTheBatchesStillRefusedAfterTheirRetriesAreDeadLetteredAndGoBackInOnceTheStoreTakesWrites() async throws {
        let (healthy, _) = try temporaryStore()
        let file = try temporaryDeadLetterFile()
        let traces = sampleTraces("flaky", count: 64)
        // Five refusals: the first batch's five tries. Everything after goes in, and with the
        // next batch taken, the dead-lettered one is written back without a restart.
        let writer = try await runWriter(store: FailingTraceStore(healthy, failures: 5), deadLetter: file, traces: traces)
        let counters = writer.counters
        #expect(counters.deadLettered > 0 && counters.deadLettered < 64)
        #expect(counters.written + counters.deadLettered == 64)
        #expect(writer.deadLetterPending == 0, "the dead-letter file was written back while serving")
        #expect(try await storedIDs(healthy).sorted() == traces.map(\.id).sorted())
    }

    /// After an outage with no request behind it, the refused traces must not wait for the next one.
    @Test func anIdleWriterWritesBackItsDeadLettersOnceTheStoreTakesWrites() async throws {
        let (healthy, _) = try temporaryStore()
        let file = try temporaryDeadLetterFile()
        let traces = sampleTraces("idle", count: 10)
        let store = FailingTraceStore(healthy)
        let writer = TraceWriter(
            store: store, capacity: 64, batchSize: 16, deadLetter: file, retryDelay: .milliseconds(1), logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for trace in traces {
            writer.begin()
            await writer.enqueue(trace)
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while writer.counters.deadLettered < traces.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        store.heal()
        while try await storedIDs(healthy).count < traces.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await storedIDs(healthy) == traces.map(\.id).sorted(), "no new trace came, and the refused ones were written back")
        #expect(writer.counters.deadLettered == 10)
        #expect(writer.deadLetterPending == 0)
        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test func aHealthyStoreRecoversTheDeadLettersAtStart() async throws {
        let (healthy, _) = try temporaryStore()
        let file = try temporaryDeadLetterFile()
        let refused = sampleTraces("refused", count: 40)
        _ = try await runWriter(store: FailingTraceStore(healthy), deadLetter: file, traces: refused)
        #expect(file.pendingLines == 40)

        let fresh = sampleTraces("fresh", count: 5)
        let writer = try await runWriter(store: healthy, deadLetter: file, traces: fresh)
        #expect(try await storedIDs(healthy) == (refused + fresh).map(\.id).sorted())
        #expect(writer.counters.deadLettered == 0)
        #expect(writer.deadLetterPending == 0)
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int
        #expect(size == 0)
    }

    @Test func aRecoveredTraceIsStoredAsItWouldHaveBeen() async throws {
        let (healthy, _) = try temporaryStore()
        let file = try temporaryDeadLetterFile()
        var trace = sampleTrace("exact", at: 1_800_000_000.25, user: "ann", tags: ["a"])
        trace.requestJSON = #"{"messages":[{"role":"user","content":"hello"}]}"#
        trace.request = .null
        _ = try await runWriter(store: FailingTraceStore(healthy), deadLetter: file, traces: [trace])
        _ = try await runWriter(store: healthy, deadLetter: file, traces: [])
        var expected = trace
        expected.request = ["messages": [["role": "user", "content": "hello"]]]
        expected.requestJSON = nil  // read back as the request it holds
        #expect(try await healthy.trace(id: "exact") == expected)
    }

    @Test func withoutADeadLetterFileARefusedBatchIsLostAsBefore() async throws {
        let (healthy, _) = try temporaryStore()
        let writer = TraceWriter(store: FailingTraceStore(healthy), retryDelay: .milliseconds(1), logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        writer.begin()
        await writer.enqueue(sampleTrace("lost", at: 1_800_000_000))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(writer.counters.deadLettered == 0)
        #expect(writer.counters.failedBatches == 5)
        #expect(writer.deadLetterPending == 0)
    }
}
