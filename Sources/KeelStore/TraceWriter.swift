import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Takes traces off the request path: a bounded queue that a single writer drains into the
/// store in batches. A full queue makes `enqueue` wait (back-pressure, counted), never drop.
/// On a graceful stop it waits for every trace that was begun, writes them all, then returns.
/// A batch the store still refuses after its retries goes to the dead-letter file, and back into the store
/// when the writer next starts; without a dead-letter file (an in-memory store) it is lost, logged as critical.
public final class TraceWriter: Service, TraceSink {
    public struct Counters: Sendable, Equatable {
        public var queued = 0
        /// Traces begun (`begin()`) but not yet enqueued.
        public var open = 0
        public var written = 0
        /// How many times an `enqueue` had to wait for room.
        public var backpressureWaits = 0
        public var failedBatches = 0
        /// Traces written to the dead-letter file by this process.
        public var deadLettered = 0
    }

    private struct State {
        var buffer: [Trace] = []
        var waitingProducers: [CheckedContinuation<Void, Never>] = []
        var waitingConsumer: CheckedContinuation<Void, Never>?
        /// The waiting consumer is gathering a batch: wake it only once the batch is full.
        var consumerGathers = false
        var gatherRound = 0
        var stopping = false
        var stoppingSince: ContinuousClock.Instant?
        var counters = Counters()
    }

    private let store: any TraceStore
    private let capacity: Int
    private let batchSize: Int
    private let flushInterval: Duration
    private let retention: Retention
    private let deadLetter: DeadLetterFile?
    /// The wait before the first retry of a failed batch; each retry waits twice as long.
    private let retryDelay: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let batchObservers = Mutex<[@Sendable ([Trace]) -> Void]>([])
    /// How long a graceful stop waits for requests still in flight to hand over their traces.
    static let openTraceWait = Duration.seconds(30)

    public struct Retention: Sendable {
        public var maxAge: Duration?
        public var maxCount: Int?
        public var every: Duration

        public init(maxAge: Duration? = nil, maxCount: Int? = nil, every: Duration = .seconds(60)) {
            self.maxAge = maxAge
            self.maxCount = maxCount
            self.every = every
        }
    }

    public init(
        store: any TraceStore, capacity: Int = 10_000, batchSize: Int = 500, flushInterval: Duration = .zero, retention: Retention = Retention(),
        deadLetter: DeadLetterFile? = nil, retryDelay: Duration = .milliseconds(50), logger: Logger
    ) {
        self.store = store
        self.capacity = max(1, capacity)
        self.batchSize = max(1, batchSize)
        self.flushInterval = flushInterval
        self.retention = retention
        self.deadLetter = deadLetter
        self.retryDelay = retryDelay
        self.logger = logger
    }

    public var counters: Counters { state.withLock { $0.counters } }

    /// Lines waiting in the dead-letter file (written by this process or an earlier one, not yet recovered).
    public var deadLetterPending: Int { deadLetter?.pendingLines ?? 0 }

    /// Announces a trace that will be enqueued later (when its request ends), so that a
    /// graceful stop waits for it.
    public func begin() {
        state.withLock { $0.counters.open += 1 }
    }

    /// Queues a begun trace for writing; waits while the queue is full. The trace is moved into
    /// the queue, not copied: a copy retains and releases each of its many references.
    public func enqueue(_ trace: consuming Trace) async {
        var pending = Optional(trace)
        var waited = false
        while true {
            let consumer: CheckedContinuation<Void, Never>?? = state.withLock { state in
                guard state.buffer.count < capacity else {
                    if !waited { state.counters.backpressureWaits += 1 }
                    return .none
                }
                state.buffer.append(pending.take()!)
                state.counters.queued = state.buffer.count
                state.counters.open = max(0, state.counters.open - 1)
                guard !state.consumerGathers || state.buffer.count >= batchSize else { return .some(nil) }
                defer { state.waitingConsumer = nil }
                return .some(state.waitingConsumer)
            }
            if case .some(let waiting) = consumer {
                waiting?.resume()
                return
            }
            waited = true
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.buffer.count < capacity { return true }
                    state.waitingProducers.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Writes `event` at once. The request that revealed it may be cancelled by then (its
    /// client gone, or its connection closed after the answer), which would make the store
    /// refuse the write: events are rare, so each is written from a task of its own.
    public func record(_ event: StoredEvent) async {
        let store = store
        let logger = logger
        await Task {
            do {
                try await store.recordEvent(event)
            } catch {
                logger.error("event insert failed", metadata: ["kind": "\(event.kind)", "error": "\(error)"])
            }
        }.value
    }

    /// Shows every batch to `observer` (the monitor's signals) on the writer's own task, just
    /// before it is stored: the traces reach it off the request path, with no hand-over of their own.
    public func observeBatches(_ observer: @escaping @Sendable ([Trace]) -> Void) {
        batchObservers.withLock { $0.append(observer) }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            let deadLettersWaiting = await recoverDeadLetters()
            await drainLoop(deadLettersWaiting: deadLettersWaiting)
        } onGracefulShutdown: {
            let consumer = self.state.withLock { state in
                state.stopping = true
                state.stoppingSince = .now
                defer { state.waitingConsumer = nil }
                return state.waitingConsumer
            }
            consumer?.resume()
        }
    }

    /// `deadLettersWaiting`: the file still holds lines after the recovery at start. Known from
    /// then on without a look at the file on every batch: set when a batch is dead-lettered,
    /// cleared when a recovery empties the file.
    private func drainLoop(deadLettersWaiting: Bool) async {
        var deadLettersWaiting = deadLettersWaiting
        var lastRetention = ContinuousClock.now
        var lastWrite = ContinuousClock.now - flushInterval
        var lastRecovery = ContinuousClock.now - Self.recoveryInterval
        /// Writes the dead letters back when they wait and the last try is old enough; says whether it tried.
        func recoverIfDue() async -> Bool {
            guard deadLettersWaiting, ContinuousClock.now - lastRecovery >= Self.recoveryInterval else { return false }
            lastRecovery = .now
            deadLettersWaiting = await recoverDeadLetters()
            return true
        }
        while true {
            await gather(since: lastWrite)
            let (batch, producers, finished) = state.withLock { state in
                let batch = Self.takeBatch(from: &state.buffer, upTo: batchSize)
                state.counters.queued = state.buffer.count
                let producers = state.waitingProducers
                state.waitingProducers = []
                let waitedTooLong = state.stoppingSince.map { ContinuousClock.now - $0 > Self.openTraceWait } ?? false
                let finished = batch.isEmpty && state.stopping && (state.counters.open == 0 || waitedTooLong)
                if finished && state.counters.open > 0 {
                    logger.error("stopped waiting for traces still open", metadata: ["open": "\(state.counters.open)"])
                }
                return (batch, producers, finished)
            }
            for producer in producers { producer.resume() }
            if finished { return }
            if batch.isEmpty {
                if deadLettersWaiting {
                    // Traces the store refused are tried again while idle too: after an outage
                    // with no request behind it, they would otherwise wait for the next trace.
                    if await !recoverIfDue() { try? await Task.sleep(for: Self.idlePoll) }
                    continue
                }
                await waitForWork()
                continue
            }
            for observer in batchObservers.withLock({ $0 }) { observer(batch) }
            let written = await write(batch)
            lastWrite = .now
            if !written { deadLettersWaiting = deadLetter != nil }
            // The store takes writes again: what it refused meanwhile goes back in (a database
            // restart under load loses nothing), at most every few seconds.
            if written { _ = await recoverIfDue() }
            if ContinuousClock.now - lastRetention >= retention.every {
                lastRetention = .now
                await applyRetention()
            }
        }
    }

    /// The oldest `limit` traces. The whole queue, the usual case, is taken as it is: copying
    /// traces out and then removing them would retain and release each of their fields.
    private static func takeBatch(from buffer: inout [Trace], upTo limit: Int) -> [Trace] {
        guard buffer.count > limit else {
            let batch = buffer
            buffer = []
            buffer.reserveCapacity(batch.count)
            return batch
        }
        let batch = Array(buffer.prefix(limit))
        buffer.removeFirst(limit)
        return batch
    }

    /// Lets a partial batch grow until `flushInterval` after the last write; a full batch or a
    /// stop writes at once.
    private func gather(since lastWrite: ContinuousClock.Instant) async {
        let remaining = flushInterval - (ContinuousClock.now - lastWrite)
        guard remaining > .zero else { return }
        var timer: Task<Void, Never>?
        await withCheckedContinuation { continuation in
            let round: Int? = state.withLock { state in
                guard !state.stopping, !state.buffer.isEmpty, state.buffer.count < batchSize else { return nil }
                state.gatherRound += 1
                state.consumerGathers = true
                state.waitingConsumer = continuation
                return state.gatherRound
            }
            guard let round else { return continuation.resume() }
            timer = Task {
                try? await Task.sleep(for: remaining)
                let consumer = self.state.withLock { state in
                    guard state.gatherRound == round else { return CheckedContinuation<Void, Never>?.none }
                    defer { state.waitingConsumer = nil }
                    return state.waitingConsumer
                }
                consumer?.resume()
            }
        }
        timer?.cancel()
        state.withLock { state in
            state.consumerGathers = false
            state.gatherRound += 1
        }
    }

    /// Sleeps until a trace arrives; while stopping with traces still open, polls for them.
    private func waitForWork() async {
        let stoppingWithOpenTraces = state.withLock { $0.stopping && $0.counters.open > 0 }
        if stoppingWithOpenTraces {
            try? await Task.sleep(for: .milliseconds(10))
            return
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if !state.buffer.isEmpty || state.stopping { return true }
                state.waitingConsumer = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Writes back what the store refused: an earlier run's at start, before any new trace, and
    /// this run's once the store takes writes again. Says whether lines are still waiting.
    private func recoverDeadLetters() async -> Bool {
        guard let deadLetter else { return false }
        do {
            let drained = try await deadLetter.recover(into: store, batchSize: batchSize)
            if drained.traces > 0 {
                logger.notice("traces recovered from the dead-letter file", metadata: ["traces": "\(drained.traces)", "file": "\(deadLetter.path)"])
            }
            if drained.skippedLines > 0 {
                logger.error("unreadable dead-letter lines skipped", metadata: ["lines": "\(drained.skippedLines)", "file": "\(deadLetter.path)"])
            }
        } catch {
            logger.error("dead-letter recovery failed; its traces stay in the file", metadata: ["file": "\(deadLetter.path)", "error": "\(error)"])
        }
        return deadLetter.pendingLines > 0
    }

    /// How often, at most, traces of the dead-letter file are written back while serving.
    static let recoveryInterval = Duration.seconds(2)
    /// How often an idle writer with dead letters looks for new traces between its recoveries.
    private static let idlePoll = Duration.milliseconds(50)

    /// Whether the store took the batch (else it went to the dead-letter file, or was lost without one).
    private func write(_ batch: [Trace]) async -> Bool {
        var delay = retryDelay
        for attempt in 1...5 {
            do {
                try await store.insert(batch)
                state.withLock { $0.counters.written += batch.count }
                return true
            } catch {
                state.withLock { $0.counters.failedBatches += 1 }
                logger.error("trace batch insert failed", metadata: ["attempt": "\(attempt)", "traces": "\(batch.count)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        deadLetterOrLose(batch)
        return false
    }

    private func deadLetterOrLose(_ batch: [Trace]) {
        guard let deadLetter else {
            logger.critical("traces lost after repeated insert failures", metadata: ["traces": "\(batch.count)", "ids": "\(batch.map(\.id))"])
            return
        }
        do {
            try deadLetter.append(batch)
            state.withLock { $0.counters.deadLettered += batch.count }
            logger.error(
                "traces written to the dead-letter file after repeated insert failures",
                metadata: ["traces": "\(batch.count)", "file": "\(deadLetter.path)"])
        } catch {
            logger.critical(
                "traces lost after repeated insert failures and a failed dead-letter write",
                metadata: ["traces": "\(batch.count)", "ids": "\(batch.map(\.id))", "file": "\(deadLetter.path)", "error": "\(error)"])
        }
    }

    private func applyRetention() async {
        guard retention.maxAge != nil || retention.maxCount != nil else { return }
        let cutoff = retention.maxAge.map { Date().addingTimeInterval(-Double($0.components.seconds)) }
        do {
            let deleted = try await store.applyRetention(olderThan: cutoff, maxCount: retention.maxCount)
            if deleted > 0 { logger.info("trace retention", metadata: ["deleted": "\(deleted)"]) }
        } catch {
            logger.error("trace retention failed", metadata: ["error": "\(error)"])
        }
    }
}
