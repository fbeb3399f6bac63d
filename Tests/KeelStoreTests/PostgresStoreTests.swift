import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Synchronization
import Testing

/// What only the PostgreSQL store has: its URL, day partitions, migrations run by replicas
/// starting together, and a server it cannot reach. The behaviour both stores share is tested
/// against each by the other suites of this target.
@Suite struct PostgresStoreTests {
    @Test func theURLReadsItsPartsAndNeverShowsThePassword() throws {
        let url = try PostgresURL("postgresql://keel:s%40cret@db.internal:6432/keel_prod?sslmode=require&pool_size=25")
        #expect(url.host == "db.internal" && url.port == 6432 && url.user == "keel" && url.password == "s@cret" && url.database == "keel_prod")
        #expect(url.sslMode == .require && url.poolSize == 25)
        #expect(!url.description.contains("s@cret") && !url.description.contains("s%40cret") && url.description.contains("***"))
        let defaults = try PostgresURL("postgres://keel@localhost/keel")
        #expect(defaults.port == 5432 && defaults.sslMode == .prefer && defaults.poolSize == 10 && defaults.password == nil)
        let wrong = [
            "postgres://keel:pw@host:5432/", "postgres://:pw@host/db", "postgres://keel:pw@host/db?sslmode=sometimes",
            "postgres://keel:pw@host/db?pool_size=0", "postgres://keel:pw@host/db?timeout=3", "mysql://keel:pw@host/db",
        ]
        for text in wrong {
            #expect(throws: PostgresURL.Invalid.self, "\(text)") { try PostgresURL(text) }
        }
        #expect(PostgresURL.redacting("postgres://keel:hunter2@db/keel") == "postgres://***@db/keel")
    }

    @Test func aConfigurationNamesABadURLWithoutItsPassword() {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "storage: {url: \"postgres://keel:hunter2@db/keel?sslmode=maybe\"}") }
        do {
            _ = try ConfigLoader.parse(yaml: "storage: {url: \"mysql://keel:hunter2@db/keel\"}")
            Issue.record("a mysql URL was accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2") && "\(error)".contains("postgres://"), "\(error)")
        }
    }

    @Test func anUnreachableServerIsAnErrorThatKeepsThePasswordOut() async throws {
        do {
            _ = try await StoreFactory.open(StorageConfig(url: "postgres://keel:hunter2@127.0.0.1:1/keel?sslmode=disable"))
            Issue.record("a store opened on a closed port")
        } catch {
            #expect("\(error)".contains("cannot open the PostgreSQL database") && !"\(error)".contains("hunter2"), "\(error)")
        }
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let location = StorageConfig(url: try await TestPostgres.shared.database())
        let stores = try await withThrowingTaskGroup(of: (any KeelStorage).self) { group in
            for _ in 0..<4 { group.addTask { try await StoreFactory.open(location) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        try await stores[0].insert([sampleTrace("t1", at: 1_800_000_000)])
        #expect(try await stores[3].trace(id: "t1")?.id == "t1")
    }

    @Test func tracesLiveInDayPartitionsThatRetentionDropsWhole() async throws {
        let store = try #require(try await StoreFactory.open(StorageConfig(url: try await TestPostgres.shared.database())) as? PostgresStore)
        let day = 86_400.0
        let start = 1_800_000_000.0 - 1_800_000_000.0.truncatingRemainder(dividingBy: day)
        try await store.insert(
            (0..<3).flatMap { offset in
                (0..<5).map { sampleTrace("d\(offset)-\($0)", at: start + Double(offset) * day + Double($0) * 60) }
            })
        #expect(try await store.partitionNames().count == 3)
        // Half-way through the second day: the first day goes whole, the second in part.
        let deleted = try await store.applyRetention(olderThan: Date(timeIntervalSince1970: start + day + 150), maxCount: nil)
        #expect(deleted == 8)
        #expect(try await store.partitionNames().count == 2)
        let left = try await store.traces(TraceQuery()).traces.map(\.id)
        #expect(Set(left) == Set(["d1-3", "d1-4"] + (0..<5).map { "d2-\($0)" }))
        // A day seen again after its partition went is made anew.
        try await store.insert([sampleTrace("again", at: start + 100)])
        #expect(try await store.trace(id: "again") != nil)
    }

    @Test func textWithNulCharactersIsStoredNotRefused() async throws {
        let store = try await StoreFactory.open(StorageConfig(url: try await TestPostgres.shared.database()))
        var trace = sampleTrace("nul", at: 1_800_000_000, user: "a\u{0}b", text: "x\u{0}y")
        trace.errorMessage = "bad\u{0}byte"
        try await store.insert([trace])
        let read = try #require(try await store.trace(id: "nul"))
        #expect(read.user == "a\u{FFFD}b" && read.errorMessage == "bad\u{FFFD}byte")
        #expect(read.request == trace.request, "JSON keeps its escaped NUL")
        try await store.insertScores([Score(traceID: "nul", name: "n\u{0}", value: 1, dataType: .numeric, source: .api, comment: "c\u{0}")])
        #expect(try await store.scores(traceID: "nul").first?.comment == "c\u{FFFD}")
    }

    @Test func aSQLiteStoreIsCopiedWholeAndTheCopyCanBeRunAgain() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keel-migrate-\(UUID().uuidString).db").path
        let source = try SQLiteTraceStore(path: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let traces = (0..<2_500).map { sampleTrace("t\($0)", at: 1_800_000_000 + Double($0) * 40, user: "u\($0 % 7)", tags: ["x"]) }
        try await source.insert(traces)
        let (key, _) = APIKeySecret.mint(name: "laptop", team: "core", rpm: 60)
        try await source.createKey(key)
        _ = try await source.pushPrompt(NewPromptRecord(name: "support-reply", hash: "h1", source: "one", author: "ada", commitMessage: nil))
        _ = try await source.pushPrompt(NewPromptRecord(name: "support-reply", hash: "h2", source: "two", author: "ada", commitMessage: "m"))
        try await source.movePromptLabel(name: "support-reply", label: "production", version: 2, author: "ada")
        try await source.insertScores([Score(traceID: "t1", name: "helpful", value: 0.5, dataType: .numeric, source: .eval)])
        try await source.createFile(
            StoredFile(id: "file-1", purpose: "batch", filename: "in.jsonl", bytes: 3, createdAt: Date()), content: Data([0, 1, 2]))
        try await source.saveIncident(IncidentRecord(id: "inc_1", status: "open", openedAt: Date(), body: ["id": "inc_1", "kind": "budget"]))
        try await source.createRollout(
            RolloutRecord(
                id: "ro_1", subject: "prompt:support-reply:production", spec: ["a": 1], state: [:], status: .active, createdAt: Date(),
                updatedAt: Date()))

        let destination = try #require(try await StoreFactory.open(StorageConfig(url: try await TestPostgres.shared.database())) as? PostgresStore)
        let counts = try await StoreMigration.copy(from: source, to: destination, batchSize: 1_000)
        #expect(counts.first { $0.table == "traces" }?.rows == 2_500)
        var everything = TraceQuery()
        everything.limit = 1_000
        #expect(try await destination.trace(id: "t2499") == traces[2_499])
        #expect(try await destination.stats(StatsQuery(since: Date(timeIntervalSince1970: 0))).first?.requests == 2_500)
        #expect(try await destination.key(hash: key.hash) == (try await source.key(hash: key.hash)))
        #expect(try await destination.promptVersions(name: "support-reply").map(\.source) == ["one", "two"])
        #expect(
            Dictionary(uniqueKeysWithValues: try await destination.promptLabels().map { ($0.label, $0.version) }) == ["production": 2, "latest": 2])
        // The label history came along: a rollback undoes the move made on the laptop.
        #expect(try await destination.rollbackPromptLabel(name: "support-reply", label: "production", author: "ops") == (2, 1))
        #expect(try await destination.scores(traceID: "t1").map(\.name) == ["helpful"])
        #expect(try await destination.fileContent(id: "file-1") == Data([0, 1, 2]))
        #expect(try await destination.incident(id: "inc_1")?.body["kind"] == "budget")
        #expect(try await destination.activeRollout(subject: "prompt:support-reply:production")?.id == "ro_1")
        #expect(try await destination.events(since: nil, limit: 100).contains { $0.kind == "prompt_label_moved" })
        // Run again: nothing doubles, and new events still get ids after the copied ones.
        _ = try await StoreMigration.copy(from: source, to: destination)
        #expect(try await destination.stats(StatsQuery(since: Date(timeIntervalSince1970: 0))).first?.requests == 2_500)
        #expect(try await destination.promptVersions(name: "support-reply").count == 2)
        try await destination.recordEvent(StoredEvent(createdAt: Date(), kind: "deploy", provider: nil, upstreamModel: nil, detail: [:]))
    }

    @Test func writesByAnotherProcessAreAnnouncedToListeners() async throws {
        let location = StorageConfig(url: try await TestPostgres.shared.database())
        let listener = try #require(try await StoreFactory.open(location) as? PostgresStore)
        let writer = try await StoreFactory.open(location)
        let heard = Mutex<Set<StoreChange>>([])
        let listening = Task { try await listener.listen { change in heard.withLock { _ = $0.insert(change) } } }
        defer { listening.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        _ = try await writer.pushPrompt(NewPromptRecord(name: "support-reply", hash: "h1", source: "one", author: "ada", commitMessage: nil))
        try await writer.createRollout(
            RolloutRecord(
                id: "ro_1", subject: "prompt:support-reply:production", spec: [:], state: [:], status: .active, createdAt: Date(), updatedAt: Date()))
        try await writer.createKey(APIKeySecret.mint(name: "fleet").key)
        let deadline = ContinuousClock.now + .seconds(5)
        while heard.withLock({ $0 }) != Set(StoreChange.allCases), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(heard.withLock { $0 } == Set(StoreChange.allCases))
    }
}
