import Foundation
import KeelCore
import KeelStore
import Testing

/// The Files and Batches API: a batch of a few hundred lines runs through the gateway and
/// completes across a restart; bad input fails validation; a batch can be cancelled.
@Suite struct BatchTests {
    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(
            models: """
                  - {name: slowchat, targets: [{provider: inproc, model: "echo+slow-60"}]}
                  - {name: slowerchat, targets: [{provider: inproc, model: "echo+slow-250"}]}
                """,
            extra: "batch: {concurrency: 4}")
    }

    static func upload(_ harness: GatewayHarness, lines: [String]) async throws -> String {
        let reply = try await TestHTTP.postMultipart(
            harness.v1 + "/files", fields: ["purpose": "batch"], file: ("file", "input.jsonl", lines.joined(separator: "\n")))
        #expect(reply.status == 200, "\(reply.body)")
        return try #require(reply.json?["id"]?.stringValue)
    }

    static func line(_ index: Int) -> String { line(index, model: "slowchat") }

    /// A batch of 1000 lines on this model runs at least a minute: a loaded machine cannot finish it
    /// before a test has cancelled, revoked or restarted it.
    static func slowerLine(_ index: Int) -> String { line(index, model: "slowerchat") }

    static func line(_ index: Int, model: String) -> String {
        JSONValue.object([
            "custom_id": .string("r\(index)"), "method": "POST", "url": "/v1/chat/completions",
            "body": ["model": .string(model), "messages": [["role": "user", "content": .string("line \(index)")]], "max_tokens": 5],
        ]).encodedString()
    }

    static func poll(
        _ harness: GatewayHarness, _ id: String, headers: [String: String] = [:], until done: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let batch = try await TestHTTP.get(harness.v1 + "/batches/\(id)", headers: headers).json, done(batch) { return batch }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KeelProcess.StartError(message: "batch \(id) did not get there in time")
    }

    @Test func aBatchOfThreeHundredLinesCompletesAcrossARestart() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let file = try await Self.upload(harness, lines: (0..<300).map(Self.line))
        let created = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions", "completion_window": "24h"])
        #expect(created.status == 200)
        let id = try #require(created.json?["id"]?.stringValue)
        let started = try await Self.poll(harness, id) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 25 }
        #expect(started["status"] == "in_progress")

        try await harness.restartGateway()
        let paused = try #require(try await TestHTTP.get(harness.v1 + "/batches/\(id)").json)
        #expect(paused["status"] != "completed", "the batch finished before the restart: make its lines slower")

        let finished = try await Self.poll(harness, id) { $0["status"] == "completed" }
        #expect(finished["request_counts"] == ["total": 300, "completed": 300, "failed": 0])
        let output = try #require(finished["output_file_id"]?.stringValue)
        let content = try await TestHTTP.get(harness.v1 + "/files/\(output)/content")
        let lines = content.body.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        #expect(lines.count == 300)
        #expect(Set(lines.compactMap { $0["custom_id"]?.stringValue }).count == 300)
        let first = try #require(lines.first { $0["custom_id"] == "r7" })
        #expect(first["response"]?["status_code"] == 200)
        #expect(first["response"]?["body"]?["choices"]?[0]?["message"]?["content"]?.stringValue?.hasPrefix("line 7") == true)
        // Each line was traced (and priced) like any request.
        let traced = try await harness.traces("tag=batch&limit=1000") { $0.count >= 300 }
        #expect(traced.count >= 300)
    }

    @Test func aBatchKilledHalfwayResumesWithoutSendingAnyLineTwice() async throws {
        let harness = try await GatewayHarness.start(
            models: "  - {name: slowchat, targets: [{provider: up, model: \"echo+slow-60\"}]}", extra: "batch: {concurrency: 4}")
        defer { harness.stop() }
        let file = try await Self.upload(harness, lines: (0..<300).map(Self.line))
        let created = try await TestHTTP.post(harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions"])
        let id = try #require(created.json?["id"]?.stringValue)
        _ = try await Self.poll(harness, id) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 40 }

        try await harness.crashAndRestartGateway()
        let finished = try await Self.poll(harness, id) { $0["status"] == "completed" }
        let completed = try #require(finished["request_counts"]?["completed"]?.intValue)
        let failed = try #require(finished["request_counts"]?["failed"]?.intValue)
        #expect(completed + failed == 300)
        #expect(completed >= 292, "only the lines in flight at the kill may fail: \(completed) completed")

        // The upstream (the mock process, which outlived the gateway) received each line once at most.
        let received = try #require(try await harness.mockStats()["requests"]?.intValue)
        #expect(received <= 300, "the upstream received \(received) requests for 300 lines")
        #expect(received >= completed)
        let output = try await TestHTTP.get(harness.v1 + "/files/\(try #require(finished["output_file_id"]?.stringValue))/content")
        let answered = output.body.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        #expect(answered.count == completed)
        #expect(Set(answered.compactMap { $0["custom_id"]?.stringValue }).count == completed)
        if failed > 0 {
            let errors = try await TestHTTP.get(harness.v1 + "/files/\(try #require(finished["error_file_id"]?.stringValue))/content")
            let lines = errors.body.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
            #expect(lines.count == failed)
            #expect(lines.allSatisfy { $0["error"]?["code"] == "batch_line_interrupted" && $0["response"] == .null })
        }
    }

    @Test func aBatchWhoseWindowEndsExpiresWithItsDoneLinesAndTheRestAsErrors() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let file = try await Self.upload(harness, lines: (0..<1000).map(Self.slowerLine))
        let created = try await TestHTTP.post(
            harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions", "completion_window": "1h"])
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(created.json?["expires_at"]?.intValue == (created.json?["created_at"]?.intValue).map { $0 + 3600 })
        _ = try await Self.poll(harness, id) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 25 }

        // An hour passes while the gateway is down: the window ends before the batch is done.
        try await harness.restartGateway {
            let store = try await StoreFactory.open(StorageConfig(url: "sqlite://" + harness.directory.appendingPathComponent("keel.db").path))
            var batch = try #require(try await store.batch(id: id))
            batch.expiresAt = Date().addingTimeInterval(-1)
            try await store.saveBatch(batch)
        }

        let expired = try await Self.poll(harness, id) { $0["status"] == "expired" }
        #expect(expired["expired_at"]?.intValue != nil)
        let done = try #require(expired["request_counts"]?["completed"]?.intValue)
        #expect(done >= 25 && done < 1000)
        let output = try await TestHTTP.get(harness.v1 + "/files/\(try #require(expired["output_file_id"]?.stringValue))/content")
        #expect(output.body.split(separator: "\n").count == done)
        let errors = try await TestHTTP.get(harness.v1 + "/files/\(try #require(expired["error_file_id"]?.stringValue))/content")
        let notRun = errors.body.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        #expect(notRun.count == 1000 - done)
        #expect(notRun.allSatisfy { $0["error"]?["code"] == "batch_expired" && $0["response"] == .null })
        #expect(Set(notRun.compactMap { $0["custom_id"]?.stringValue }).count == 1000 - done)
    }

    @Test func badInputFailsValidationAndABatchCanBeCancelled() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let bad = try await Self.upload(harness, lines: [Self.line(0), #"{"method": "POST", "body": {"model": "slowchat"}}"#, Self.line(0)])
        let invalid = try await TestHTTP.post(harness.v1 + "/batches", json: ["input_file_id": .string(bad), "endpoint": "/v1/chat/completions"])
        let failed = try await Self.poll(harness, try #require(invalid.json?["id"]?.stringValue)) { $0["status"] == "failed" }
        let codes = failed["errors"]?["data"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
        #expect(codes.contains("missing_custom_id") && codes.contains("duplicate_custom_id"), "\(codes)")

        let missing = try await TestHTTP.post(harness.v1 + "/batches", json: ["input_file_id": "file-nope", "endpoint": "/v1/chat/completions"])
        #expect(missing.status == 404)
        let wrongEndpoint = try await TestHTTP.post(harness.v1 + "/batches", json: ["input_file_id": .string(bad), "endpoint": "/v1/completions"])
        #expect(wrongEndpoint.status == 400 && wrongEndpoint.json?["error"]?["param"] == "endpoint")

        let file = try await Self.upload(harness, lines: (0..<1000).map(Self.slowerLine))
        let created = try await TestHTTP.post(harness.v1 + "/batches", json: ["input_file_id": .string(file), "endpoint": "/v1/chat/completions"])
        let id = try #require(created.json?["id"]?.stringValue)
        _ = try await Self.poll(harness, id) { ($0["request_counts"]?["completed"]?.intValue ?? 0) >= 5 }
        let cancelling = try await TestHTTP.post(harness.v1 + "/batches/\(id)/cancel", json: [:])
        #expect(cancelling.json?["status"] == "cancelling")
        let cancelled = try await Self.poll(harness, id) { $0["status"] == "cancelled" }
        let done = cancelled["request_counts"]?["completed"]?.intValue ?? 0
        #expect(done >= 5 && done < 1000)
        #expect(cancelled["output_file_id"]?.stringValue != nil)
    }
}
