import AsyncHTTPClient
import Foundation
import KeelCore
import NIOCore
import Testing

/// Every request is traced, priced and queryable, end to end.
@Suite struct TraceTests {
    static let models = """
          - {name: chat, targets: [{provider: up, model: echo}]}
          - {name: fallback, retries: 0, targets: [{provider: up, model: fail-503}, {provider: claude, model: claude-sonnet-4-20250514}]}
          - {name: limited, retries: 0, targets: [{provider: up, model: "fail-429+retry-after-60"}]}
          - {name: unpriced, targets: [{provider: up, model: some-unknown-model}]}
          - {name: trickle, targets: [{provider: up, model: chunk-delay-100}]}
          - {name: paced, targets: [{provider: up, model: "slow-150+chunk-delay-50"}]}
        """
    static let pricing = """
        pricing:
          - {provider: up, model: echo, input: 1.5, output: 4}
          - {provider: up, model: chunk-delay-100, input: 1, output: 2}
        """

    static func start() async throws -> GatewayHarness {
        try await GatewayHarness.start(models: models, extra: pricing)
    }

    @Test func aCompletionIsTracedWithTokensAndCost() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let reply = try await harness.chat(
            "chat", "count these five words", extra: ["user": "u-body", "metadata": ["team": "search"]],
            headers: ["x-keel-session": "s-1", "x-keel-tags": "beta, eu"])
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        let trace = try await harness.trace(id)
        let usage = try #require(reply.json?["usage"])
        #expect(trace["id"] == .string(id))
        #expect(trace["model"] == "chat")
        #expect(trace["provider"] == "up")
        #expect(trace["upstream_model"] == "echo")
        #expect(trace["response_model"] == "echo")
        #expect(trace["system_fingerprint"] == "fp_keel_mock")
        #expect(trace["status"] == "ok")
        #expect(trace["stream"] == false)
        #expect(trace["finish_reason"] == "stop")
        #expect(trace["prompt_tokens"] == usage["prompt_tokens"])
        #expect(trace["completion_tokens"] == usage["completion_tokens"])
        let expectedCost = (Double(usage["prompt_tokens"]?.intValue ?? 0) * 1.5 + Double(usage["completion_tokens"]?.intValue ?? 0) * 4) / 1_000_000
        #expect(abs((trace["cost_usd"]?.doubleValue ?? -1) - expectedCost) < 1e-12)
        #expect(trace["latency_ms"]?.doubleValue ?? -1 >= 0)
        #expect(trace["user"] == "u-body")
        #expect(trace["session"] == "s-1")
        #expect(trace["tags"] == ["beta", "eu"])
        #expect(trace["metadata"] == ["team": "search"])
        #expect(trace["output"]?["content"] == "count these five words")
        #expect(trace["request"]?["messages"]?[0]?["content"] == "count these five words")
        #expect(trace["attempts"]?.arrayValue?.count == 1)
    }

    @Test func aStreamIsTracedWithTimeToFirstTokenAndItsUsage() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let (reply, events) = try await harness.streamChat("fallback", "stream me please")
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        #expect(events.last == "[DONE]")
        let trace = try await harness.trace(id)
        #expect(trace["stream"] == true)
        #expect(trace["ttft_ms"]?.doubleValue != nil)
        #expect(trace["provider"] == "claude")
        #expect(trace["output"]?["content"] == "stream me please")
        #expect(trace["completion_tokens"] == 3)
        #expect(trace["finish_reason"] == "stop")
        // Claude Sonnet 4 from the built-in catalog: $3 in, $15 out per million.
        let prompt = Double(trace["prompt_tokens"]?.intValue ?? 0)
        #expect(abs((trace["cost_usd"]?.doubleValue ?? -1) - (prompt * 3 + 3 * 15) / 1_000_000) < 1e-12)
        let attempts = trace["attempts"]?.arrayValue ?? []
        #expect(attempts.map { $0["outcome"] } == ["error", "ok"])
        #expect(attempts.first?["status"] == 503)
    }

    @Test func failuresAreTracedWithTheirErrorType() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let reply = try await harness.chat("limited")
        #expect(reply.status == 429)
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))
        #expect(trace["status"] == "rate_limit_error")
        #expect(trace["http_status"] == 429)
        #expect(trace["error"]?.stringValue?.isEmpty == false)
        let invalid = try await TestHTTP.request(.POST, harness.v1 + "/chat/completions", body: #"{"model":"chat","messages":[]}"#)
        let invalidTrace = try await harness.trace(try #require(invalid.headers.first(name: "x-keel-trace-id")))
        #expect(invalidTrace["status"] == "invalid_request_error")
        #expect(invalidTrace["http_status"] == 400)
    }

    @Test func aModelWithNoPriceCostsNullNotZero() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let reply = try await harness.chat("unpriced")
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))
        #expect(trace["cost_usd"] == .null)
        #expect(trace["prompt_tokens"]?.intValue != nil)
        _ = try await harness.chat("unpriced")
        try await Task.sleep(for: .milliseconds(200))
        #expect(harness.gateway.logs.components(separatedBy: "no price for model").count == 2, "one warning per model")
    }

    @Test func aCancelledStreamIsBilledForWhatWasGenerated() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        var request = HTTPClientRequest(url: harness.v1 + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        let words = (1...40).map { "w\($0)" }.joined(separator: " ")
        request.body = .bytes(ByteBuffer(string: GatewayHarness.chatBody("trickle", words, stream: true).encodedString()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let id = try #require(response.headers.first(name: "x-keel-trace-id"))
        for try await buffer in response.body where String(buffer: buffer).contains("w3") { break }
        let trace = try await harness.trace(id)
        #expect(trace["status"] == "client_cancelled")
        #expect(trace["output"]?["usage_estimated"] == true)
        // Billed for what was generated before the client left (a few of forty words), at the
        // model's price ($1 in, $2 out per million), not for the whole answer nor nothing.
        let prompt = try #require(trace["prompt_tokens"]?.intValue)
        let completion = try #require(trace["completion_tokens"]?.intValue)
        let whole = try await harness.chat("trickle", words)
        let wholeCompletion = try #require(whole.json?["usage"]?["completion_tokens"]?.intValue)
        #expect(prompt >= 40)
        #expect(completion >= 3 && completion < wholeCompletion, "completion_tokens \(completion) of \(wholeCompletion)")
        let cost = try #require(trace["cost_usd"]?.doubleValue)
        #expect(abs(cost - (Double(prompt) * 1 + Double(completion) * 2) / 1_000_000) < 1e-12)
    }

    @Test func timeToFirstTokenAndLatencyHaveTheValuesTheUpstreamsPaceGives() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        // The upstream waits 150 ms before its first chunk, then 50 ms between chunks.
        let (reply, events) = try await harness.streamChat("paced", "one two three four five")
        let content = events.filter { event in
            (try? JSONValue.parse(event))?["choices"]?[0]?["delta"]?["content"]?.stringValue?.isEmpty == false
        }
        #expect(content.count >= 3)
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))
        let ttft = try #require(trace["ttft_ms"]?.doubleValue)
        let latency = try #require(trace["latency_ms"]?.doubleValue)
        #expect(ttft >= 150, "ttft_ms \(ttft)")
        #expect(ttft < latency)
        #expect(latency - ttft >= Double(50 * (content.count - 1)) - 5, "ttft_ms \(ttft), latency_ms \(latency), \(content.count) chunks")
    }

    @Test func listFiltersPagesAndStats() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        var ids: [String] = []
        for index in 0..<6 {
            let reply = try await harness.chat("chat", "message \(index)", headers: ["x-keel-user": index < 4 ? "ann" : "bob"])
            ids.append(try #require(reply.headers.first(name: "x-keel-trace-id")))
        }
        let limitedReply = try await harness.chat("limited")
        // Traces are written in batches: once the last request's is readable, all are.
        _ = try await harness.trace(try #require(limitedReply.headers.first(name: "x-keel-trace-id")))
        let api = harness.gateway.baseURL + "/api"
        let ann = try await TestHTTP.get(api + "/traces?user=ann&limit=3")
        #expect(ann.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[3], ids[2], ids[1]])
        let cursor = try #require(ann.json?["next_cursor"]?.stringValue)
        let next = try await TestHTTP.get(api + "/traces?user=ann&limit=3&cursor=\(cursor)")
        #expect(next.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[0]])
        #expect(next.json?["next_cursor"] == .null)
        let search = try await TestHTTP.get(api + "/traces?q=message%205")
        #expect(search.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[5]])
        let errors = try await TestHTTP.get(api + "/traces?status=rate_limit_error")
        #expect(errors.json?["data"]?.arrayValue?.count == 1)

        try await Task.sleep(for: .milliseconds(200))
        let stats = try await TestHTTP.get(api + "/stats?window=1h&group_by=model")
        let rows = stats.json?["data"]?.arrayValue ?? []
        let chat = try #require(rows.first { $0["key"] == "chat" })
        #expect(chat["requests"] == 6)
        #expect(chat["errors"] == 0)
        // p95 is the nearest-rank 95th percentile of the six requests' latencies: the largest.
        let latencies = try await harness.traces("model=chat&limit=100") { $0.count >= 6 }.compactMap { $0["latency_ms"]?.doubleValue }.sorted()
        #expect(latencies.count == 6)
        #expect(chat["p95_latency_ms"]?.doubleValue == latencies.last)
        #expect(chat["p50_latency_ms"]?.doubleValue == latencies[2])
        let limited = try #require(rows.first { $0["key"] == "limited" })
        #expect(limited["error_rate"]?.doubleValue == 1.0)

        for bad in ["/traces?limit=0", "/traces?since=yesterdayish", "/stats?window=forever", "/stats?group_by=color", "/traces?cursor=bogus"] {
            let reply = try await TestHTTP.get(api + bad)
            #expect(reply.status == 400, "\(bad)")
            #expect(reply.json?["error"]?["param"]?.stringValue != nil, "\(bad)")
        }
        #expect(try await TestHTTP.get(api + "/traces/nope").status == 404)
        // A cursor's `_` followed by a combining mark (a skin tone) is still its separator.
        let combining = try await TestHTTP.get(api + "/traces?cursor=5_%F0%9F%8F%BB")
        #expect(combining.status == 200, "\(combining.body)")

        let metrics = try await TestHTTP.get(harness.gateway.baseURL + "/metrics")
        #expect(metrics.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
        #expect(metrics.body.contains(#"keel_requests_total{model="chat",provider="up",status="ok"} 6"#))
        #expect(metrics.body.contains(#"keel_requests_total{model="limited",provider="up",status="rate_limit_error"} 1"#))
        #expect(
            metrics.body.contains(
                #"keel_upstream_attempts_total{provider="up",upstream_model="fail-429+retry-after-60",outcome="error",status="429"} 1"#))
        #expect(metrics.body.contains("keel_request_duration_seconds_bucket"))
        #expect(metrics.body.contains(#"keel_breaker_state{target="up/echo"} 0"#))
        #expect(metrics.body.contains("keel_trace_queue_depth"))
        #expect(metrics.body.contains(#"keel_tokens_total{model="chat",provider="up",kind="completion"} 12"#))
    }

    @Test func tracesCommandListsShowsFollowsAndSummarises() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let environment = GatewayHarness.environment
        let tail = try KeelProcess.spawn(
            ["traces", "tail", "--json", "--config", harness.configPath, "--interval-ms", "50"], environment: environment)
        defer { tail.stop() }
        // `tail` shows what is written after it has started; its start-up time is unknown, so
        // keep sending until one of the requests shows up.
        var sent: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while !sent.contains(where: { tail.logs.contains($0) }), ContinuousClock.now < deadline {
            let reply = try await harness.chat("chat", "seen by tail")
            sent.append(try #require(reply.headers.first(name: "x-keel-trace-id")))
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(sent.contains { tail.logs.contains($0) }, "tail printed: \(tail.logs)")
        let id = try #require(sent.last)
        _ = try await harness.trace(id)

        let list = try await KeelProcess.run(["traces", "list", "--config", harness.configPath, "--model", "chat"], environment: environment)
        #expect(list.status == 0)
        #expect(list.output.contains("TIME") && list.output.contains(id))
        let show = try await KeelProcess.run(["traces", "show", id, "--config", harness.configPath], environment: environment)
        #expect(show.status == 0)
        #expect(try JSONValue.parse(show.output)["output"]?["content"] == "seen by tail")
        let missing = try await KeelProcess.run(["traces", "show", "nope", "--config", harness.configPath], environment: environment)
        #expect(missing.status != 0)
        let stats = try await KeelProcess.run(
            ["traces", "stats", "--json", "--group-by", "model", "--window", "1h", "--config", harness.configPath], environment: environment)
        #expect(stats.status == 0)
        #expect(try JSONValue.parse(stats.output)["data"]?[0]?["key"] == "chat")
        let table = try await KeelProcess.run(["traces", "stats", "--config", harness.configPath], environment: environment)
        #expect(table.output.contains("REQUESTS"))
        let bad = try await KeelProcess.run(["traces", "stats", "--window", "forever", "--config", harness.configPath], environment: environment)
        #expect(bad.status != 0)
    }

    @Test func aChangedModelVersionIsRecordedAsAnEvent() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: pinned, targets: [{provider: inproc, model: gpt-4o}]}
                """)
        defer { harness.stop() }
        _ = try await harness.chat("pinned", headers: ["x-mock-response-model": "gpt-4o-2024-08-06"])
        _ = try await harness.chat("pinned", headers: ["x-mock-response-model": "gpt-4o-2024-08-06"])
        let swapped = try await harness.chat("pinned", headers: ["x-mock-response-model": "gpt-4o-2024-11-20"])
        let id = try #require(swapped.headers.first(name: "x-keel-trace-id"))
        _ = try await harness.trace(id)
        let events = try await TestHTTP.get(harness.gateway.baseURL + "/api/events")
        let data = events.json?["data"]?.arrayValue ?? []
        #expect(data.count == 1)
        #expect(data.first?["kind"] == "model_version_changed")
        #expect(data.first?["provider"] == "inproc")
        #expect(data.first?["upstream_model"] == "gpt-4o")
        #expect(data.first?["detail"] == ["from": "gpt-4o-2024-08-06", "to": "gpt-4o-2024-11-20", "trace_id": .string(id)])
    }

    @Test func appSpansJoinKeelTracesThroughTraceparent() async throws {
        let harness = try await Self.start()
        defer { harness.stop() }
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let rootSpan = "00f067aa0ba902b7"
        let reply = try await harness.chat("chat", "inside an agent", headers: ["traceparent": "00-\(traceID)-\(rootSpan)-01"])
        let id = try #require(reply.headers.first(name: "x-keel-trace-id"))
        #expect(id != traceID, "Keel's own id stays unique per request")
        let otlp: JSONValue = [
            "resourceSpans": [
                [
                    "resource": ["attributes": [["key": "service.name", "value": ["stringValue": "support-bot"]]]],
                    "scopeSpans": [
                        [
                            "scope": ["name": "app"],
                            "spans": [
                                [
                                    "traceId": .string(traceID), "spanId": .string(rootSpan), "name": "agent.run", "kind": 1,
                                    "startTimeUnixNano": "1800000000000000000", "endTimeUnixNano": "1800000002000000000",
                                ],
                                [
                                    "traceId": .string(traceID), "spanId": "1111111111111111", "parentSpanId": .string(rootSpan), "name": "retrieval",
                                    "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1800000000100000000", "endTimeUnixNano": "1800000000300000000",
                                    "attributes": [
                                        ["key": "gen_ai.system", "value": ["stringValue": "openai"]],
                                        ["key": "gen_ai.usage.prompt_tokens", "value": ["intValue": "12"]],
                                        ["key": "db.hits", "value": ["intValue": 3]],
                                    ],
                                    "status": ["code": 1],
                                ],
                            ],
                        ]
                    ],
                ]
            ]
        ]
        let ingest = try await TestHTTP.post(harness.v1 + "/traces", json: otlp)
        #expect(ingest.status == 200, "\(ingest.body)")
        let trace = try await harness.trace(id)
        #expect(trace["otel_trace_id"] == .string(traceID))
        #expect(trace["parent_span_id"] == .string(rootSpan))
        let roots = trace["spans"]?.arrayValue ?? []
        #expect(roots.count == 1)
        let root = try #require(roots.first)
        #expect(root["name"] == "agent.run")
        #expect(root["service"] == "support-bot")
        let children = root["children"]?.arrayValue ?? []
        #expect(Set(children.compactMap { $0["name"]?.stringValue }) == ["retrieval", "chat chat"])
        let retrieval = try #require(children.first { $0["name"] == "retrieval" })
        #expect(retrieval["attributes"]?["gen_ai.provider.name"] == "openai")
        #expect(retrieval["attributes"]?["gen_ai.usage.input_tokens"] == 12)
        #expect(retrieval["kind"] == 3)
        let keelNode = try #require(children.first { $0["type"] == "keel_request" })
        #expect(keelNode["trace_id"] == .string(id))
        #expect(keelNode["children"]?[0]?["type"] == "keel_attempt")

        let bad = try await TestHTTP.post(
            harness.v1 + "/traces", json: ["resourceSpans": [["scopeSpans": [["spans": [["traceId": "xyz", "spanId": "1", "name": "x"]]]]]]])
        #expect(bad.status == 400)
        #expect(bad.json?["error"]?["param"] == "resourceSpans[0].scopeSpans[0].spans[0].traceId")
        let protobuf = try await TestHTTP.request(.POST, harness.v1 + "/traces", body: "x", headers: ["content-type": "application/x-protobuf"])
        #expect(protobuf.status == 415)
    }

    @Test func spansAreExportedToAnOpenTelemetryCollector() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, retries: 0, targets: [{provider: up, model: fail-503}, {provider: up, model: echo}]}
                """,
            extra: """
                telemetry: {otlp_endpoint: "${KEEL_TEST_MOCK_URL}/v1/traces", otlp_protocol: http/json, export_interval_ms: 50}
                """)
        defer { harness.stop() }
        let clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let clientSpan = "00f067aa0ba902b7"
        let reply = try await harness.chat(
            "chat", "traced", extra: ["temperature": 0.2], headers: ["traceparent": "00-\(clientTrace)-\(clientSpan)-01"])
        let trace = try await harness.trace(try #require(reply.headers.first(name: "x-keel-trace-id")))

        var spans: [JSONValue] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while spans.count < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            let received = try await TestHTTP.get(harness.mock.baseURL + "/mock/otlp").json?["requests"]?.arrayValue ?? []
            spans = received.flatMap { request in
                (request["resourceSpans"]?.arrayValue ?? []).flatMap { resource in
                    (resource["scopeSpans"]?.arrayValue ?? []).flatMap { $0["spans"]?.arrayValue ?? [] }
                }
            }
        }
        func attribute(_ span: JSONValue, _ key: String) -> JSONValue? {
            let value = span["attributes"]?.arrayValue?.first { $0["key"]?.stringValue == key }?["value"]
            return value?["stringValue"] ?? value?["intValue"] ?? value?["doubleValue"]
        }
        func hex(_ value: JSONValue?) -> String? {
            value?.stringValue.flatMap { text in
                text.count == 32 || text.count == 16 ? text : Data(base64Encoded: text).map { $0.map { String(format: "%02x", $0) }.joined() }
            }
        }
        let request = try #require(spans.first { $0["name"] == "chat chat" }, "spans: \(spans)")
        #expect(hex(request["traceId"]) == clientTrace)
        #expect(hex(request["parentSpanId"]) == clientSpan)
        #expect(attribute(request, "gen_ai.operation.name") == "chat")
        #expect(attribute(request, "gen_ai.request.model") == "chat")
        #expect(attribute(request, "gen_ai.provider.name") == "openai")
        #expect(attribute(request, "gen_ai.response.model") == "echo")
        #expect(attribute(request, "gen_ai.usage.input_tokens") == .string(String(trace["prompt_tokens"]?.intValue ?? -1)))
        #expect(attribute(request, "gen_ai.usage.output_tokens") == "1")
        #expect(attribute(request, "gen_ai.request.temperature") == 0.2)
        #expect(trace["otel_trace_id"] == .string(clientTrace))
        #expect(trace["span_id"]?.stringValue == hex(request["spanId"]))
        let attempts = spans.filter { hex($0["parentSpanId"]) == hex(request["spanId"]) }
        #expect(attempts.count == 2)
        #expect(Set(attempts.compactMap { attribute($0, "gen_ai.request.model")?.stringValue }) == ["fail-503", "echo"])
        #expect(attempts.contains { attribute($0, "error.type") == "503" })
    }

    @Test func sigtermUnderLoadLosesNoTrace() async throws {
        let harness = try await GatewayHarness.start(
            models: """
                  - {name: chat, targets: [{provider: up, model: slow-50}]}
                """)
        defer { harness.stop() }
        let answered = await withTaskGroup(of: String?.self) { group in
            for index in 0..<120 {
                group.addTask {
                    if index == 60 { _ = try? await Task.sleep(for: .milliseconds(1)) }
                    let body = GatewayHarness.chatBody("chat", "load \(index)").encodedString()
                    guard let reply = try? await TestHTTP.request(.POST, harness.v1 + "/chat/completions", body: body, timeout: .seconds(3)),
                        reply.status == 200
                    else { return nil }
                    return reply.headers.first(name: "x-keel-trace-id")
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(150))
                _ = try? await harness.gateway.terminateGracefully()
                return nil
            }
            var ids: [String] = []
            for await id in group { if let id { ids.append(id) } }
            return ids
        }
        #expect(!answered.isEmpty)
        #expect(harness.gateway.hasExited)
        let (status, output) = try await KeelProcess.run(
            ["traces", "list", "--config", harness.configPath, "--limit", "1000", "--json"], environment: GatewayHarness.environment)
        #expect(status == 0, "\(output)")
        #expect(!harness.gateway.logs.contains("still open"), "\(harness.gateway.logs)")
        let stored = Set(try JSONValue.parse(output)["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
        #expect(Set(answered).isSubset(of: stored), "every answered request has its trace")
    }
}
