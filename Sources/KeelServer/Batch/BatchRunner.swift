import Foundation
import KeelCore
import KeelGateway
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs batches at low priority, a bounded number of lines at a time, each line through the
/// gateway like a client request (traced and priced, under the creating key's limits). Every
/// line's result is stored as it finishes, so a batch interrupted by a restart resumes where
/// it was. One batch runs at a time, oldest first. A batch still unfinished when its completion
/// window ends expires, as OpenAI's do: no new line starts, the lines done are in its output
/// file, and each line not run is in its error file as `batch_expired`.
///
/// In a fleet, the process that runs a batch holds its lease in the store and renews it; every
/// process looks for unfinished batches whose lease ran out (their process died) and takes
/// them over, so a batch is run by one process at a time and finished by another if its own dies.
final class BatchRunner: Service, Sendable {
    private let gateway: Gateway
    private let store: any BatchStore & APIKeyStore
    private let concurrency: Int
    private let logger: Logger
    private let queue: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let cancelled = Mutex<Set<String>>([])
    /// Set at shutdown: no new line starts, and the batch is left to resume at the next start.
    private let stopping = Mutex(false)
    /// This process, as the holder of the leases it takes.
    private let holder = "runner_" + IdentifierRandom.hex(bytes: 6)
    private let lease: Duration
    /// Batches whose lease another process took (this one stalled past it): they stop here.
    private let lost = Mutex<Set<String>>([])
    /// Batches waiting in the queue, so that a batch is queued once however often it is found.
    private let queued = Mutex<Set<String>>([])

    /// Whether this is the only process that runs batches on its store (SQLite): at start it takes
    /// over the leases its own earlier run left, rather than waiting for them to run out.
    private let sole: Bool

    init(
        gateway: Gateway, store: any BatchStore & APIKeyStore, concurrency: Int, lease: Duration = .seconds(30), sole: Bool = false,
        logger: Logger
    ) {
        self.gateway = gateway
        self.store = store
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.sole = sole
        self.logger = logger
        (queue, continuation) = AsyncStream.makeStream(of: String.self)
    }

    func submit(_ id: String) {
        guard queued.withLock({ $0.insert(id).inserted }) else { return }
        continuation.yield(id)
    }

    func cancel(_ id: String) { cancelled.withLock { _ = $0.insert(id) } }

    func run() async throws {
        // Batches a restart interrupted go first.
        for batch in (try? await store.unfinishedBatches()) ?? [] {
            if sole { _ = try? await store.leaseBatch(id: batch.id, holder: holder, until: Date(), now: .distantFuture) }
            submit(batch.id)
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.adoptOrphans() }
                for await id in queue.cancelOnGracefulShutdown() {
                    await Task(priority: .background) { await self.process(id) }.value
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.continuation.finish()
        }
    }

    /// Every half lease, queues the unfinished batches: those whose lease ran out (their process
    /// died) are taken over; those another process holds are skipped when their turn comes.
    private func adoptOrphans() async {
        while !Task.isCancelled && !stopping.withLock({ $0 }) {
            try? await Task.sleep(for: lease / 2)
            for batch in (try? await store.unfinishedBatches()) ?? [] { submit(batch.id) }
        }
    }

    private func process(_ id: String) async {
        queued.withLock { _ = $0.remove(id) }
        do {
            // A finished batch is skipped by `run`, which reads it under the lease.
            guard try await store.leaseBatch(id: id, holder: holder, until: Date().addingTimeInterval(leaseSeconds), now: Date()) else { return }
            let renewal = Task { await self.renewLease(of: id) }
            defer { renewal.cancel() }
            try await run(id)
            if stopping.withLock({ $0 }) { try await store.releaseBatch(id: id, holder: holder) }
        } catch {
            logger.error("a batch stopped; it resumes at the next start", metadata: ["batch": "\(id)", "error": "\(error)"])
        }
    }

    /// Pushes the lease of `id` back every third of it; when another process has taken it, the batch stops here.
    private func renewLease(of id: String) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: lease / 3)
            guard !Task.isCancelled else { return }
            let held = try? await store.leaseBatch(id: id, holder: holder, until: Date().addingTimeInterval(leaseSeconds), now: Date())
            if held == false {
                lost.withLock { _ = $0.insert(id) }
                logger.warning("another process took this batch over", metadata: ["batch": "\(id)"])
                return
            }
        }
    }

    private var leaseSeconds: TimeInterval { Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18 }

    private func isLost(_ id: String) -> Bool { lost.withLock { $0.contains(id) } }

    private func run(_ id: String) async throws {
        guard var batch = try await store.batch(id: id), !batch.status.isFinished else { return }
        let lines = try await lines(of: batch)
        if batch.status == .validating {
            let errors = validate(lines)
            if !errors.isEmpty {
                batch.errors = errors
                batch.status = .failed
                batch.timestamps["failed"] = Date()
                try await store.saveBatch(batch)
                return
            }
            batch.total = lines.count
            batch.status = .inProgress
            batch.timestamps["in_progress"] = Date()
            try await store.saveBatch(batch)
        }
        batch = try await execute(batch, lines: lines)
        if isLost(id) { return }
        if stopping.withLock({ $0 }) {
            try await store.saveBatch(batch)
            return
        }
        try await finish(batch, lines: lines)
    }

    struct Line: Sendable {
        var index: Int
        var customID: String
        var body: JSONObject
    }

    private func lines(of batch: StoredBatch) async throws -> [Line] {
        let content = try await store.fileContent(id: batch.inputFileID) ?? Data()
        return content.split(separator: UInt8(ascii: "\n")).enumerated().compactMap { index, raw in
            guard let object = (try? JSONValue.parse(Data(raw)))?.objectValue else {
                return Line(index: index, customID: "", body: [:])
            }
            return Line(index: index, customID: object["custom_id"]?.stringValue ?? "", body: object["body"]?.objectValue ?? [:])
        }
    }

    /// Problems with the input, as the Batches API reports them (`errors.data`).
    private func validate(_ lines: [Line]) -> [JSONValue] {
        var errors: [JSONValue] = []
        var seen: Set<String> = []
        if lines.isEmpty { errors.append(["code": "empty_file", "message": "The input file has no requests.", "line": nil]) }
        for line in lines {
            func fail(_ code: String, _ message: String) {
                errors.append(["code": .string(code), "message": .string(message), "line": .int(Int64(line.index + 1))])
            }
            if line.customID.isEmpty { fail("missing_custom_id", "Each line needs a JSON object with a custom_id.") }
            if !seen.insert(line.customID).inserted { fail("duplicate_custom_id", "custom_id '\(line.customID)' appears more than once.") }
            if line.body["model"]?.stringValue == nil { fail("missing_required_parameter", "The request body needs a 'model'.") }
            if errors.count >= 100 { break }
        }
        return errors
    }

    /// Runs the lines not yet done, `concurrency` at a time; stops early when cancelled, and when
    /// the key that made the batch is revoked (checked before the batch and then every second).
    private func execute(_ batch: StoredBatch, lines: [Line]) async throws -> StoredBatch {
        var batch = batch
        let done = Set(try await settleInterruptedLines(of: &batch).map(\.line))
        var pending = lines.filter { !done.contains($0.index) }.makeIterator()
        guard let key = try await ownerKey(batch) else { return batch }
        var ownerCheckedAt = Date()
        let (id, endpoint, expiresAt) = (batch.id, batch.endpoint, batch.expiresAt)
        try await withThrowingTaskGroup(of: BatchResult.self) { group in
            var running = 0
            func startNext() -> Bool {
                guard !isCancelled(id), !stopping.withLock({ $0 }), !isLost(id), Date() < expiresAt, let line = pending.next() else {
                    return false
                }
                group.addTask { await self.run(line, endpoint: endpoint, key: key, batch: id) }
                running += 1
                return true
            }
            while running < concurrency, startNext() {}
            while running > 0, let result = try await group.next() {
                running -= 1
                try await store.saveResult(result, batch: batch.id)
                if result.statusCode == 200 { batch.completed += 1 } else { batch.failed += 1 }
                if (batch.completed + batch.failed) % 25 == 0 { try await store.saveBatch(batch) }
                if Date().timeIntervalSince(ownerCheckedAt) >= 1 {
                    ownerCheckedAt = Date()
                    _ = try await ownerKey(batch)
                }
                _ = startNext()
            }
        }
        return batch
    }

    /// Runs one line, at most once: its start is stored before the request leaves, so that a
    /// line a crash cut off is never sent again (the provider may have received and billed it).
    private func run(_ line: Line, endpoint: String, key: Caller, batch: String) async -> BatchResult {
        do {
            try await store.saveResult(BatchResult.started(line: line.index, customID: line.customID), batch: batch)
        } catch {
            return BatchResult.notRun(line: line.index, customID: line.customID, error: Self.unstartedError)
        }
        var body = line.body
        body["stream"] = nil
        body["stream_options"] = nil
        var incoming = IncomingRequest(body: JSONValue.object(body).encoded(), headers: ["x-keel-tags": "batch", "x-keel-session": batch])
        incoming.apiKey = key.apiKey
        do {
            let response = endpoint == "/v1/embeddings" ? try await gateway.embeddings(incoming) : try await gateway.chatCompletion(incoming)
            return BatchResult(
                line: line.index, customID: line.customID, statusCode: 200, body: response.content.wholeAnswer ?? .null,
                traceID: incoming.traceID.value)
        } catch {
            return BatchResult(
                line: line.index, customID: line.customID, statusCode: error.error.status, body: error.error.body, traceID: incoming.traceID.value)
        }
    }

    /// Writes the output and error files and closes the batch: completed, cancelled, or expired
    /// when its window ended before every line ran.
    private func finish(_ batch: StoredBatch, lines: [Line]) async throws {
        var batch = batch
        let stored = try await store.batch(id: batch.id)
        let wasCancelled = isCancelled(batch.id) || stored?.status == .cancelling
        let results = try await store.results(batch: batch.id)
        let done = Set(results.map(\.line))
        let notRun = lines.filter { !done.contains($0.index) }
        let expired = !wasCancelled && !notRun.isEmpty && Date() >= batch.expiresAt
        if !wasCancelled && !expired {
            batch.status = .finalizing
            batch.timestamps["finalizing"] = Date()
            try await store.saveBatch(batch)
        }
        let output = results.filter { $0.statusCode == 200 }
        var failures = results.filter { $0.statusCode != 200 }
        batch.completed = output.count
        batch.failed = failures.count
        if expired {
            failures += notRun.map { line in BatchResult.notRun(line: line.index, customID: line.customID, error: Self.expiredError) }
        }
        if !output.isEmpty { batch.outputFileID = try await writeFile(output, name: "\(batch.id)_output.jsonl", owner: batch.owner) }
        if !failures.isEmpty { batch.errorFileID = try await writeFile(failures, name: "\(batch.id)_error.jsonl", owner: batch.owner) }
        batch.status = wasCancelled ? .cancelled : expired ? .expired : .completed
        batch.timestamps[batch.status.rawValue] = Date()
        try await store.saveBatch(batch)
        cancelled.withLock { _ = $0.remove(batch.id) }
    }

    /// Lines whose start was stored without a result (the gateway stopped abruptly while they
    /// ran) become failures with `batch_line_interrupted`, and are not run again.
    private func settleInterruptedLines(of batch: inout StoredBatch) async throws -> [BatchResult] {
        var results = try await store.results(batch: batch.id)
        for index in results.indices where results[index].isStarted {
            results[index] = BatchResult.notRun(line: results[index].line, customID: results[index].customID, error: Self.interruptedError)
            try await store.saveResult(results[index], batch: batch.id)
            batch.failed += 1
        }
        return results
    }

    static let interruptedError: JSONValue = [
        "code": "batch_line_interrupted",
        "message":
            "Keel stopped while this request was in flight. It was not sent again, since the provider may have received it; send it in a new batch if it is still needed.",
    ]

    static let unstartedError: JSONValue = [
        "code": "batch_line_not_started", "message": "The line's start could not be recorded, so it was not sent.",
    ]

    static let expiredError: JSONValue = [
        "code": "batch_expired", "message": "This request could not be executed before the completion window expired.",
    ]

    private func writeFile(_ results: [BatchResult], name: String, owner: ObjectOwner?) async throws -> String {
        let lines = results.map { result -> String in
            let response: JSONValue =
                result.wasSent
                ? ["status_code": .int(Int64(result.statusCode)), "request_id": result.traceID.map(JSONValue.string) ?? .null, "body": result.body]
                : .null
            let line: JSONValue = [
                "id": .string("batch_req_" + IdentifierRandom.hex(bytes: 12)), "custom_id": .string(result.customID),
                "response": response, "error": result.wasSent ? .null : result.body,
            ]
            return line.encodedString()
        }
        let content = Data((lines.joined(separator: "\n") + "\n").utf8)
        let file = StoredFile(
            id: "file-" + IdentifierRandom.hex(bytes: 12), purpose: "batch_output", filename: name, bytes: content.count, createdAt: Date(),
            owner: owner)
        try await store.createFile(file, content: content)
        return file.id
    }

    /// Who a batch's lines run as: the key that made it, looked up by id (a new key given the
    /// same name is another key), or no one for a batch made without a key; nil once that key is
    /// revoked or gone: the batch is then cancelled.
    private func ownerKey(_ batch: StoredBatch) async throws -> Caller? {
        guard let owner = batch.owner else { return .anonymous }
        if let key = try await store.key(id: owner.keyID), key.isActive { return .key(key) }
        if !isCancelled(batch.id) {
            logger.notice("the key of a batch was revoked: the batch is cancelled", metadata: ["batch": "\(batch.id)", "key_id": "\(owner.keyID)"])
            cancel(batch.id)
        }
        return nil
    }

    private func isCancelled(_ id: String) -> Bool { cancelled.withLock { $0.contains(id) } }
}
