import Foundation
import KeelCore
import KeelStore
import Testing

/// The dead-letter file beside the database, seen from outside: recovery at start, `/healthz`, `keel traces recover`.
@Suite struct DeadLetterTests {
    private static let config = """
        providers: [{name: m, kind: mock}]
        models: [{name: mock, targets: [{provider: m, model: echo}]}]
        storage: {url: "sqlite://keel.db"}
        """

    /// A folder with keel.yaml, its database to be made beside it.
    private static func folder() throws -> (folder: URL, config: String, deadLetter: DeadLetterFile) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keel-deadletter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("keel.yaml").path
        try Self.config.write(toFile: config, atomically: true, encoding: .utf8)
        return (folder, config, try #require(DeadLetterFile(besideDatabase: folder.appendingPathComponent("keel.db").path)))
    }

    private static func trace(_ id: String) -> Trace {
        var trace = Trace(
            id: id, startedAt: Date(timeIntervalSince1970: 1_800_000_000), latencyMs: 12, model: "mock", provider: "m", upstreamModel: "echo")
        trace.requestJSON = #"{"model":"mock","messages":[{"role":"user","content":"kept"}]}"#
        trace.request = .null
        return trace
    }

    @Test func aStartWritesTheDeadLetterFileBackIntoTheStore() async throws {
        let (folder, config, deadLetter) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try deadLetter.append([Self.trace("dead-letter-1"), Self.trace("dead-letter-2")])

        let keel = try await KeelProcess.start(["serve", "--port", "0", "--config", config])
        defer { keel.stop() }
        // The writer recovers beside the server starting up: give it a moment.
        var stored = try await TestHTTP.get(keel.baseURL + "/api/traces/dead-letter-2")
        let deadline = ContinuousClock.now + .seconds(10)
        while stored.status != 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            stored = try await TestHTTP.get(keel.baseURL + "/api/traces/dead-letter-2")
        }
        #expect(stored.status == 200)
        #expect(stored.json?["request"]?["messages"]?[0]?["content"] == "kept")
        let health = try await TestHTTP.get(keel.baseURL + "/healthz")
        #expect(health.json?["status"] == "ok")
        #expect(health.json?["traces"]?["dead_letter_pending"] == 0)
        #expect(deadLetter.pendingLines == 0)
    }

    @Test func healthzIsDegradedUntilKeelTracesRecoverEmptiesTheFile() async throws {
        let (folder, config, deadLetter) = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keel = try await KeelProcess.start(["serve", "--port", "0", "--config", config])
        defer { keel.stop() }
        // As if a batch of this gateway's had been refused by the store.
        try deadLetter.append([Self.trace("late-1"), Self.trace("late-2"), Self.trace("late-3")])
        let degraded = try await TestHTTP.get(keel.baseURL + "/healthz")
        #expect(degraded.status == 200)
        #expect(degraded.json?["status"] == "degraded")
        #expect(degraded.json?["traces"]?["dead_letter_pending"] == 3)
        #expect(degraded.json?["traces"]?["dead_lettered"] == 0)

        let (status, output) = try await KeelProcess.run(["traces", "recover", "--config", config])
        #expect(status == 0)
        #expect(output.contains("recovered 3 traces"))
        #expect(output.contains("skipped 0 unreadable lines"))
        let healthy = try await TestHTTP.get(keel.baseURL + "/healthz")
        #expect(healthy.json?["status"] == "ok")
        #expect(healthy.json?["traces"]?["dead_letter_pending"] == 0)
        #expect(try await TestHTTP.get(keel.baseURL + "/api/traces/late-3").status == 200)
    }
}
