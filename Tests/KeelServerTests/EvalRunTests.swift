import Foundation
import KeelCore
import KeelStore
import Testing

/// `keel eval run` end to end: a suite run against two versions of a prompt through the gateway
/// in process, judged by the mock provider, gated by its exit code, stored and served by
/// `/api/evals`; a protected label needs a passing run.
struct EvalRunTests {
    static let adminKey = ObjectIsolationTests.adminKey
    static let admin = ["authorization": "Bearer \(adminKey)"]
    static let models = """
          - {name: smart, targets: [{provider: inproc, model: echo}]}
          - {name: judge, targets: [{provider: inproc, model: judge}]}
          - {name: down, targets: [{provider: inproc, model: fail-503}]}
        """
    static let extra = """
        auth: {admin_key: "\(adminKey)"}
        evals: {judge: {model: judge}}
        prompts: {protected_labels: [production]}
        """

    static func prompt(_ userMessage: String) -> String {
        """
        name: support-reply
        model: smart
        variables: {product: string, question: string}
        messages:
          - {role: system, content: "You answer questions about {{product}}."}
          - {role: user, content: "\(userMessage)"}
        """
    }

    static let suite = """
        description: support-reply regression set
        prompt: support-reply
        defaultTest:
          assert: [{type: latency, threshold: 5000}]
        tests:
          - description: rotates a key
            vars: {product: Keel, question: "How do I rotate a key?"}
            assert:
              - {type: icontains, value: "ROTATE"}
              - {type: llm-rubric, value: "how to rotate a key"}
          - file: cases.jsonl
        """

    static let cases = """
        {"description": "explains budgets", "vars": {"product": "Keel", "question": "What is a budget?"}, "assert": [{"type": "contains", "value": "budget"}]}
        {"description": "names the product", "vars": {"product": "Keel", "question": "Which product is this?"}, "assert": [{"type": "not-contains", "value": "Acme"}]}
        """

    struct Workspace {
        let harness: GatewayHarness
        var directory: URL { harness.directory }

        func keel(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            try await KeelProcess.run(arguments + ["--config", harness.configPath], environment: GatewayHarness.environment)
        }

        func write(_ text: String, _ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func report(_ path: String) throws -> JSONValue {
            try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    static func workspace() async throws -> Workspace {
        let harness = try await GatewayHarness.start(models: models, extra: extra)
        let workspace = Workspace(harness: harness)
        _ = try workspace.write(suite, "support.yaml")
        _ = try workspace.write(cases, "cases.jsonl")
        // v1 asks the question; v2 (a careless edit) no longer does.
        let v1 = try workspace.write(prompt("{{question}}"), "v1.yaml")
        #expect(try await workspace.keel(["prompts", "push", v1, "--message", "v1"]).output.contains("support-reply v1 (new)"))
        let v2 = try workspace.write(prompt("Say hello."), "v2.yaml")
        #expect(try await workspace.keel(["prompts", "push", v2, "--message", "v2"]).output.contains("support-reply v2 (new)"))
        try await servesPrompt(harness)
        return workspace
    }

    /// Waits until the running gateway knows the pushed prompt (it looks at the store every
    /// second), asking without variables: refused, and so neither answered nor sampled.
    static func servesPrompt(_ harness: GatewayHarness) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let reply = try await TestHTTP.post(harness.v1 + "/chat/completions", json: ["prompt": ["id": "support-reply"]], headers: admin)
            if reply.json?["error"]?["code"] != "prompt_not_found" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func aSuitePassesOnTheGoodVersionAndABrokenVersionFailsWithItsRegressions() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.harness.stop() }
        let suite = workspace.directory.appendingPathComponent("support.yaml").path

        // production (v1) passes: exit 0, the judge's verdict in the report.
        let good = workspace.directory.appendingPathComponent("good.json").path
        let passing = try await workspace.keel(["eval", "run", suite, "--output", good])
        #expect(passing.status == 0, "\(passing.output)")
        let goodReport = try workspace.report(good)
        #expect(goodReport["summary"]?["verdict"] == "passed")
        let results = try #require(goodReport["results"]?.arrayValue)
        #expect(results.count == 3)
        #expect(results.map { $0["description"]?.stringValue } == ["rotates a key", "explains budgets", "names the product"])
        #expect(results[0]["vars"]?["question"] == "How do I rotate a key?")
        #expect(results[0]["candidate"]?["output"] == "How do I rotate a key?")
        let rubric = try #require(results[0]["candidate"]?["assertions"]?.arrayValue?.first { $0["type"] == "llm-rubric" })
        #expect(rubric["pass"] == true && rubric["status"] == "pass", "\(rubric)")
        #expect(results[0]["candidate"]?["assertions"]?.arrayValue?.map { $0["type"]?.stringValue } == ["icontains", "llm-rubric", "latency"])

        // v2 against production: every case regresses, exit 100, regressions named.
        let bad = workspace.directory.appendingPathComponent("bad.json").path
        let html = workspace.directory.appendingPathComponent("bad.html").path
        let failing = try await workspace.keel([
            "eval", "run", suite, "--candidate", "support-reply@2", "--baseline", "support-reply@production", "--output", bad, "--output", html,
        ])
        #expect(failing.status == 100, "\(failing.output)")
        #expect(failing.output.contains("rotates a key"))
        let badReport = try workspace.report(bad)
        #expect(badReport["summary"]?["verdict"] == "failed")
        let regressions = badReport["summary"]?["regressions"]?.arrayValue?.compactMap { $0["description"]?.stringValue } ?? []
        #expect(regressions.sorted() == ["explains budgets", "rotates a key"], "\(regressions)")
        let first = try #require(badReport["results"]?[0])
        #expect(first["candidate"]?["pass"] == false && first["baseline"]?["pass"] == true)
        #expect(first["candidate"]?["output"] == "Say hello.")
        #expect(badReport["sides"]?[0]?["resolved"] == "support-reply@2" && badReport["sides"]?[1]?["resolved"] == "support-reply@1")
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("<html"))

        // Every call traced with the tag eval and the run id as its session, the judge's too.
        let runID = try #require(badReport["id"]?.stringValue)
        let traces = try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/traces?session=\(runID)&limit=100", headers: Self.admin)
        let rows = traces.json?["data"]?.arrayValue ?? []
        // 3 tests on 2 sides, and the rubric's judge on each side.
        #expect(rows.count == 8, "\(traces.body)")
        #expect(rows.filter { $0["model"] == "judge" }.count == 2)
        #expect(rows.allSatisfy { $0["tags"]?.arrayValue?.contains("eval") == true })
        let passingID = try #require(goodReport["id"]?.stringValue)
        let judged = try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/traces?session=\(passingID)&limit=100", headers: Self.admin)
        #expect((judged.json?["data"]?.arrayValue ?? []).contains { $0["model"] == "judge" }, "\(judged.body)")

        // Stored: the CLI and the API list both runs and show the failing one whole.
        let listed = try await workspace.keel(["eval", "list"])
        #expect(listed.output.contains(runID) && listed.output.contains(passingID))
        let shown = try await workspace.keel(["eval", "show", runID])
        #expect(shown.status == 0 && shown.output.contains("rotates a key"), "\(shown.output)")
        let api = try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/evals?prompt=support-reply", headers: Self.admin)
        #expect(Set(api.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == [runID, passingID])
        let one = try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/evals/\(runID)", headers: Self.admin)
        #expect(one.json?["results"]?.arrayValue?.count == 3 && one.json?["summary"]?["exit_code"] == 100)
        #expect(try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/evals/eval_nope", headers: Self.admin).status == 404)
        #expect(try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/evals").status == 401)
    }

    @Test func aRunThatCannotBeDoneExitsOne() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.harness.stop() }
        let suite = workspace.directory.appendingPathComponent("support.yaml").path
        let unknown = try await workspace.keel(["eval", "run", suite, "--candidate", "support-reply@9"])
        #expect(unknown.status == 1 && unknown.output.contains("no version 9"), "\(unknown.output)")
        let broken = try workspace.write("prompt: support-reply\ntests:\n  - assert: [{type: icontain, value: x}]\n", "broken.yaml")
        let misspelt = try await workspace.keel(["eval", "run", broken])
        #expect(misspelt.status == 1 && misspelt.output.contains("broken.yaml:3") && misspelt.output.contains("icontains"), "\(misspelt.output)")
        // A provider that is down: every call fails, so the run could not be done.
        let downSuite = try workspace.write(
            "model: down\ntests:\n  - messages: [{role: user, content: hi}]\n    assert: [{type: contains, value: hi}]\n", "down.yaml")
        let down = try await workspace.keel(["eval", "run", downSuite])
        #expect(down.status == 1, "\(down.output)")
    }

    @Test func aProtectedLabelNeedsAPassingRunOrAForceThatIsRecorded() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.harness.stop() }
        let refused = try await workspace.keel(["prompts", "label", "support-reply", "2", "production"])
        #expect(refused.status != 0 && refused.output.contains("protected"), "\(refused.output)")
        let api = try await TestHTTP.post(
            workspace.harness.gateway.baseURL + "/api/prompts/support-reply/labels", json: ["label": "production", "version": 2], headers: Self.admin)
        #expect(api.status == 409 && api.json?["error"]?["code"] == "eval_required", "\(api.body)")
        // Other labels are free.
        #expect(try await workspace.keel(["prompts", "label", "support-reply", "2", "staging"]).status == 0)

        // v1 passes its suite, so it may go (back) to production; v2 only with --force, recorded.
        let suite = workspace.directory.appendingPathComponent("support.yaml").path
        #expect(try await workspace.keel(["eval", "run", suite, "--candidate", "support-reply@1"]).status == 0)
        #expect(try await workspace.keel(["prompts", "label", "support-reply", "1", "production"]).status == 0)
        let forced = try await TestHTTP.post(
            workspace.harness.gateway.baseURL + "/api/prompts/support-reply/labels",
            json: ["label": "production", "version": 2, "force": true, "author": "alice"], headers: Self.admin)
        #expect(forced.status == 200, "\(forced.body)")
        let events = try await TestHTTP.get(workspace.harness.gateway.baseURL + "/api/events?limit=50", headers: Self.admin)
        let event = events.json?["data"]?.arrayValue?.first { $0["kind"] == "prompt_label_forced" }
        #expect(event?["detail"]?["author"] == "alice" && event?["detail"]?["version"] == 2, "\(events.body)")
    }

    @Test func aProductionTraceBecomesATestOfTheSuite() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.harness.stop() }
        let reply = try await TestHTTP.post(
            workspace.harness.v1 + "/chat/completions",
            json: ["prompt": ["id": "support-reply", "variables": ["product": "Keel", "question": "Can I cap spend per key?"]]],
            headers: Self.admin)
        #expect(reply.status == 200, "\(reply.body)")
        let traceID = try #require(reply.headers.first(name: "x-keel-trace-id"))
        _ = try await workspace.harness.trace(traceID, headers: Self.admin)
        let suite = workspace.directory.appendingPathComponent("support.yaml").path
        let added = try await workspace.keel(["eval", "add", suite, "--trace", traceID, "--expected", "Yes: set a budget on the key."])
        #expect(added.status == 0, "\(added.output)")
        let lines = try String(contentsOfFile: workspace.directory.appendingPathComponent("cases.jsonl").path, encoding: .utf8)
            .split(separator: "\n")
        let test = try JSONValue.parse(String(try #require(lines.last)))
        #expect(test["vars"] == ["product": "Keel", "question": "Can I cap spend per key?"])
        #expect(test["assert"]?[0] == ["type": "factuality", "value": "Yes: set a budget on the key."])
        #expect(test["metadata"]?["trace_id"]?.stringValue == traceID)
    }
}

/// Online evals: every sampled live request is graded after its answer, its verdict a score
/// on its trace; the judges' own calls are never sampled.
struct OnlineEvalTests {
    @Test func sampledRequestsGetScoresFromTheirRulesAndTheJudgesCallsAreNotScored() async throws {
        let extra = """
            auth: {admin_key: "\(EvalRunTests.adminKey)"}
            evals:
              judge: {model: judge}
              online:
                - {name: helpful, model: smart, sample: 1.0, assert: [{type: llm-rubric, value: "how to rotate a key"}]}
                - {name: echo-ok, prompt: support-reply, sample: 1.0, assert: [{type: icontains, value: "rotate"}]}
                - {name: never, model: smart, sample: 0, assert: [{type: contains, value: "x"}]}
            """
        let harness = try await GatewayHarness.start(models: EvalRunTests.models, extra: extra)
        defer { harness.stop() }
        let workspace = EvalRunTests.Workspace(harness: harness)
        let v1 = try workspace.write(EvalRunTests.prompt("{{question}}"), "v1.yaml")
        #expect(try await workspace.keel(["prompts", "push", v1]).status == 0)
        try await EvalRunTests.servesPrompt(harness)

        let byReference = try await TestHTTP.post(
            harness.v1 + "/chat/completions",
            json: ["prompt": ["id": "support-reply", "variables": ["product": "Keel", "question": "How do I rotate a key?"]]],
            headers: EvalRunTests.admin)
        #expect(byReference.status == 200, "\(byReference.body)")
        let plain = try await TestHTTP.post(
            harness.v1 + "/chat/completions", json: GatewayHarness.chatBody("smart", "the weather today"), headers: EvalRunTests.admin)
        let first = try #require(byReference.headers.first(name: "x-keel-trace-id"))
        let second = try #require(plain.headers.first(name: "x-keel-trace-id"))

        func scores(_ trace: String, count: Int) async throws -> [JSONValue] {
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                let reply = try await TestHTTP.get(harness.gateway.baseURL + "/api/scores?trace_id=\(trace)", headers: EvalRunTests.admin)
                let rows = reply.json?["data"]?.arrayValue ?? []
                if rows.count >= count || ContinuousClock.now > deadline { return rows }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // The call by reference runs on `smart` and calls the prompt: both rules grade it.
        let graded = try await scores(first, count: 2)
        let byName = Dictionary(graded.map { ($0["name"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byName.keys) == ["helpful", "echo-ok"], "\(graded)")
        #expect(byName["echo-ok"]?["value"]?.doubleValue == 1.0 && byName["echo-ok"]?["source"] == "eval", "\(graded)")
        #expect(byName["helpful"]?["value"]?.doubleValue == 1.0, "\(graded)")
        // The plain call answers about the weather: the rubric fails it.
        let other = try await scores(second, count: 1)
        #expect(other.count == 1 && other[0]["name"] == "helpful" && other[0]["value"]?.doubleValue == 0, "\(other)")
        #expect(other[0]["comment"]?.stringValue?.hasPrefix("fail") == true)

        // Scores are stored at once, traces by the writer's next batch.
        _ = try await harness.trace(first, headers: EvalRunTests.admin)
        _ = try await harness.trace(second, headers: EvalRunTests.admin)

        // The judge's own calls were traced (tag eval) and never scored.
        var judgeTraces: [JSONValue] = []
        let tracesDeadline = ContinuousClock.now + .seconds(10)
        repeat {
            let judged = try await TestHTTP.get(harness.gateway.baseURL + "/api/traces?model=judge&limit=50", headers: EvalRunTests.admin)
            judgeTraces = judged.json?["data"]?.arrayValue ?? []
            if judgeTraces.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
        } while judgeTraces.count < 2 && ContinuousClock.now < tracesDeadline
        #expect(judgeTraces.count == 2, "\(judgeTraces)")
        for trace in judgeTraces {
            #expect(trace["tags"]?.arrayValue?.contains("eval") == true)
            #expect(try await scores(try #require(trace["id"]?.stringValue), count: 0).isEmpty)
        }
        // The stats carry the scores per prompt version.
        let stats = try await TestHTTP.get(harness.gateway.baseURL + "/api/stats?group_by=prompt&window=1h", headers: EvalRunTests.admin)
        let row = stats.json?["data"]?.arrayValue?.first { $0["key"] == "support-reply@1" }
        #expect(row?["scores"]?["echo-ok"]?["mean"]?.doubleValue == 1.0, "\(stats.body)")

        // Review: the low-scored trace comes first; people annotate under the judge's name, and
        // calibrate reports how often the judge agreed with them.
        func next() async throws -> JSONValue {
            try #require(try await TestHTTP.get(harness.gateway.baseURL + "/api/review/next", headers: EvalRunTests.admin).json)
        }
        func annotate(_ trace: String, _ value: Double) async throws {
            let reply = try await TestHTTP.post(
                harness.gateway.baseURL + "/api/scores",
                json: ["trace_id": .string(trace), "name": "helpful", "value": .double(value), "source": "annotation"], headers: EvalRunTests.admin)
            #expect(reply.status == 201, "\(reply.body)")
        }
        let urgent = try await next()
        #expect(urgent["reason"] == "low_score" && urgent["trace"]?["id"]?.stringValue == second, "\(urgent)")
        #expect(urgent["remaining"] == 2)
        try await annotate(second, 0)
        let sampled = try await next()
        #expect(sampled["reason"] == "sampled" && sampled["trace"]?["id"]?.stringValue == first, "\(sampled)")
        try await annotate(first, 1)
        let empty = try await next()
        #expect(empty["trace"] == .null && empty["remaining"] == 0)
        let calibrated = try await workspace.keel(["eval", "calibrate", "--json"])
        let calibration = try JSONValue.parse(String(calibrated.output.split(separator: "\n").last ?? ""))
        let helpful = calibration["data"]?.arrayValue?.first { $0["name"] == "helpful" }
        #expect(
            helpful?["pairs"] == 2 && helpful?["agreement"]?.doubleValue == 1.0 && helpful?["kappa"]?.doubleValue == 1.0, "\(calibrated.output)")
    }
}

/// The quality guard: online evals' verdicts on a rollout's two arms are compared, and a
/// candidate that answers worse is aborted by its scores alone.
struct RolloutQualityTests {
    @Test func aCandidateWhoseAnswersScoreWorseIsAbortedByTheQualityGuard() async throws {
        let extra = """
            auth: {admin_key: "\(EvalRunTests.adminKey)"}
            rollouts: {error_rate: false, p95_latency: false, cost_per_request: false, quality_score: {tolerance: 0.1, min_samples: 5}}
            evals:
              judge: {model: judge}
              online:
                - {name: asks-back, prompt: support-reply, sample: 1.0, assert: [{type: icontains, value: "rotate"}]}
            """
        let harness = try await GatewayHarness.start(models: EvalRunTests.models, extra: extra)
        defer { harness.stop() }
        let workspace = EvalRunTests.Workspace(harness: harness)
        #expect(try await workspace.keel(["prompts", "push", try workspace.write(EvalRunTests.prompt("{{question}}"), "v1.yaml")]).status == 0)
        #expect(try await workspace.keel(["prompts", "push", try workspace.write(EvalRunTests.prompt("Say hello."), "v2.yaml")]).status == 0)
        try await EvalRunTests.servesPrompt(harness)
        let started = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/rollouts",
            json: ["prompt": "support-reply", "candidate": 2, "steps": [50, 100], "step_requests": 1000], headers: EvalRunTests.admin)
        #expect(started.status == 201, "\(started.body)")
        let id = try #require(started.json?["id"]?.stringValue)

        var status: JSONValue = .null
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            for _ in 0..<10 {
                _ = try await TestHTTP.post(
                    harness.v1 + "/chat/completions",
                    json: ["prompt": ["id": "support-reply", "variables": ["product": "Keel", "question": "How do I rotate a key?"]]],
                    headers: EvalRunTests.admin)
            }
            status = try #require(try await TestHTTP.get(harness.gateway.baseURL + "/api/rollouts/\(id)", headers: EvalRunTests.admin).json)
            if status["status"] == "aborted" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status["status"] == "aborted", "\(status)")
        let events = try await TestHTTP.get(harness.gateway.baseURL + "/api/events?limit=50", headers: EvalRunTests.admin)
        let aborted = events.json?["data"]?.arrayValue?.first { $0["kind"] == "rollout_aborted" }
        #expect(aborted?["detail"]?["guard"] == "quality_score", "\(events.body)")
        #expect(status.encodedString().contains("quality_score"))
    }
}

/// Scheduled suites: `keel serve` runs them against production, stores each run and hands a
/// drop against the previous scheduled run to the monitor as an event naming the tests.
struct ScheduledEvalTests {
    @Test func aScheduledRunThatDropsAgainstThePreviousOneIsAnEventNamingTheTests() async throws {
        let extra = """
            auth: {admin_key: "\(EvalRunTests.adminKey)"}
            evals:
              judge: {model: judge}
              scheduled: [{suite: support.yaml, every: 24h}]
            """
        let harness = try await GatewayHarness.start(models: EvalRunTests.models, extra: extra)
        defer { harness.stop() }
        let workspace = EvalRunTests.Workspace(harness: harness)
        try await harness.restartGateway {
            let suite = try workspace.write(EvalRunTests.suite, "support.yaml")
            _ = try workspace.write(EvalRunTests.cases, "cases.jsonl")
            #expect(try await workspace.keel(["prompts", "push", try workspace.write(EvalRunTests.prompt("{{question}}"), "v1.yaml")]).status == 0)
            #expect(try await workspace.keel(["prompts", "push", try workspace.write(EvalRunTests.prompt("Say hello."), "v2.yaml")]).status == 0)
            #expect(try await workspace.keel(["prompts", "label", "support-reply", "2", "production"]).status == 0)
            // Yesterday's scheduled run passed everything.
            let store = try await StoreFactory.open(StorageConfig(url: "sqlite://" + harness.directory.appendingPathComponent("keel.db").path))
            let report: JSONValue = [
                "id": "eval_yesterday", "summary": ["sides": [["pass_rate": 1.0]]],
                "results": [
                    ["test": 0, "description": "rotates a key", "pass": true], ["test": 1, "description": "explains budgets", "pass": true],
                ],
            ]
            try await store.saveEvalRun(
                EvalRunRecord(
                    id: "eval_yesterday", suite: suite, description: nil, startedAt: Date().addingTimeInterval(-25 * 3600), verdict: "passed",
                    candidatePrompt: "support-reply", candidateVersion: 1, candidate: "support-reply@1", baseline: nil, passRate: 1,
                    origin: "schedule",
                    report: report))
        }

        // Due at once: today's run (on v2, now production) fails what passed yesterday.
        let deadline = ContinuousClock.now + .seconds(30)
        var drop: JSONValue?
        while drop == nil, ContinuousClock.now < deadline {
            let events = try await TestHTTP.get(harness.gateway.baseURL + "/api/events?limit=50", headers: EvalRunTests.admin)
            drop = events.json?["data"]?.arrayValue?.first { $0["kind"] == "eval_quality_drop" }
            try await Task.sleep(for: .milliseconds(200))
        }
        let detail = try #require(drop?["detail"])
        #expect(detail["previous_run_id"] == "eval_yesterday")
        #expect(detail["tests"] == ["explains budgets", "rotates a key"], "\(detail)")
        let runs = try await TestHTTP.get(harness.gateway.baseURL + "/api/evals", headers: EvalRunTests.admin)
        let scheduled = runs.json?["data"]?.arrayValue?.filter { $0["origin"] == "schedule" } ?? []
        #expect(scheduled.count == 2 && scheduled[0]["candidate"] == "support-reply@2", "\(runs.body)")
    }
}
