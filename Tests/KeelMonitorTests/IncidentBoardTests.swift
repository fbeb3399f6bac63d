import Foundation
import KeelCore
import KeelMonitor
import Testing

struct IncidentBoardTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func finding(_ value: String = "down/gpt", severity: Finding.Severity = .error) -> Finding {
        Finding(kind: .targetErrors, scope: Finding.Scope(.target, value), severity: severity, title: "\(value) fails", figures: ["error_rate": 0.9])
    }

    @Test func oneIncidentPerCauseAndScopeWhileItLastsThenItResolvesAfterTheHold() throws {
        var board = IncidentBoard(resolveAfter: 10)
        let opened = board.observe([Self.finding(), Self.finding("other/x")], now: Self.start)
        #expect(opened.count == 2)
        guard case .opened(let incident) = opened[0] else {
            Issue.record("not opened")
            return
        }
        // Still breaching: no new incident, no change.
        #expect(board.observe([Self.finding(), Self.finding("other/x")], now: Self.start.addingTimeInterval(1)).isEmpty)
        // Worse: the same incident, its severity raised.
        let worse = board.observe([Self.finding(severity: .critical), Self.finding("other/x")], now: Self.start.addingTimeInterval(2))
        guard case .updated(let raised)? = worse.first else {
            Issue.record("not updated: \(worse)")
            return
        }
        #expect(raised.id == incident.id && raised.severity == .critical)
        // Healthy, but not for the hold yet; then resolved.
        let recovering = board.observe([Self.finding("other/x")], now: Self.start.addingTimeInterval(5))
        #expect(recovering.count == 1)
        #expect(board.observe([Self.finding("other/x")], now: Self.start.addingTimeInterval(11)).isEmpty)
        let resolved = board.observe([Self.finding("other/x")], now: Self.start.addingTimeInterval(12.5))
        guard case .resolved(let ended)? = resolved.first else {
            Issue.record("not resolved: \(resolved)")
            return
        }
        #expect(ended.id == incident.id && ended.status == .resolved && ended.resolvedAt != nil)
        #expect(ended.timeline.map(\.type) == ["breach", "worsened", "recovering", "resolved"])
        // A new breach of the same cause is a new incident.
        guard case .opened(let next)? = board.observe([Self.finding(), Self.finding("other/x")], now: Self.start.addingTimeInterval(20)).first
        else {
            Issue.record("not reopened")
            return
        }
        #expect(next.id != incident.id)
    }

    @Test func peopleAcknowledgeAndResolveAndAStoredIncidentReadsBack() throws {
        var board = IncidentBoard(resolveAfter: 10)
        guard case .opened(let incident)? = board.observe([Self.finding()], now: Self.start).first else {
            Issue.record("not opened")
            return
        }
        let acknowledgedOrNil = board.acknowledge(id: incident.id, by: "alice", now: Self.start.addingTimeInterval(1))
        let acknowledged = try #require(acknowledgedOrNil)
        #expect(acknowledged.status == .acknowledged)
        #expect(board.acknowledge(id: incident.id, by: "bob", now: Self.start) == nil)
        let stored = try #require(Incident(json: acknowledged.storedJSON))
        #expect(stored == acknowledged)
        var restarted = IncidentBoard(resolveAfter: 10)
        restarted.adopt([stored])
        #expect(restarted.observe([Self.finding()], now: Self.start.addingTimeInterval(2)).isEmpty)
        let resolvedOrNil = restarted.resolve(id: incident.id, by: "alice", now: Self.start.addingTimeInterval(3))
        let resolved = try #require(resolvedOrNil)
        #expect(resolved.status == .resolved && restarted.open.isEmpty)
    }

    @Test func detectorsFindAFailingTargetACostSpikeAndAQualityDrop() {
        let book = SignalBook()
        let now = Self.start
        for second in 0..<60 {
            let time = now.addingTimeInterval(Double(second) - 60)
            let recent = second >= 50
            book.record(
                RequestSignal(
                    time: time, scopes: [.none: "all", .model: "smart", .prompt: "support-reply@2"], outcome: .succeeded, latencyMs: 100,
                    tokens: recent ? 300 : 100,
                    costUSD: recent ? 0.03 : 0.01),
                attempts: [
                    AttemptSignal(time: time, target: "down/gpt", failed: recent), AttemptSignal(time: time, target: "up/echo", failed: false),
                ])
            book.recordScore("helpful", value: recent ? 0.2 : 0.9, scopes: [.model: "smart"], at: time)
        }
        let targets = TargetErrorDetector(rule: .init(errorRate: 0.5, window: 10, minRequests: 5)).findings(in: book, now: now)
        #expect(targets.map(\.scope) == [Finding.Scope(.target, "down/gpt")])
        #expect(targets.first?.severity == .critical)
        let cost = SpikeDetector(rule: .init(measure: .costPerRequest, ratio: 2, window: 10, baseline: 40, minRequests: 5)).findings(
            in: book, now: now)
        #expect(Set(cost.map(\.scope)) == [Finding.Scope(.model, "smart"), Finding.Scope(.prompt, "support-reply@2")], "\(cost)")
        #expect((cost.first?.figures["ratio"]?.doubleValue ?? 0) > 2.5)
        let tokens = SpikeDetector(rule: .init(measure: .tokensPerRequest, ratio: 2, window: 10, baseline: 40, minRequests: 5)).findings(
            in: book, now: now)
        #expect(tokens.contains { $0.scope == Finding.Scope(.prompt, "support-reply@2") && $0.kind == .tokensPerRequest })
        let quality = QualityDetector(rule: .init(score: "helpful", drop: 0.2, window: 10, baseline: 40, minRequests: 5)).findings(in: book, now: now)
        #expect(quality.map(\.scope) == [Finding.Scope(.model, "smart")])
        // Nothing to find when everything is as before.
        let steady = TargetErrorDetector(rule: .init(errorRate: 0.5, window: 10, minRequests: 5)).findings(in: book, now: now.addingTimeInterval(-20))
        #expect(steady.isEmpty)
    }

    @Test func theMonitoringBlockReadsAndNamesWhatIsWrong() throws {
        let settings = try MonitorSettings([
            "interval_s": 2,
            "detectors": [
                "target_errors": ["error_rate": 0.5, "window_s": 30, "min_requests": 10],
                "cost_per_request": ["ratio": 2.0, "window_s": 20, "baseline_s": 120, "min_requests": 20],
                "quality": ["score": "echo-ok", "drop": 0.2, "window_s": 30, "baseline_s": 300, "min_requests": 10],
                "tokens_per_request": false,
            ],
        ])
        #expect(settings.interval == 2 && settings.targetErrors?.window == 30 && settings.costPerRequest?.baseline == 120)
        #expect(settings.quality?.score == "echo-ok" && settings.tokensPerRequest == nil)
        #expect(throws: MonitorSettingsError.self) { try MonitorSettings(["detectors": ["target_errors": ["error_rat": 0.5]]]) }
        #expect(throws: MonitorSettingsError.self) { try MonitorSettings(["interval_s": -1]) }
        let channels = try AlertChannel.parse([
            ["name": "oncall", "kind": "pagerduty", "routing_key": "key"], ["name": "hook", "kind": "webhook", "url": "http://router/keel"],
        ])
        #expect(channels.first?.url == AlertChannel.pagerDutyURL)
        #expect(throws: MonitorSettingsError.self) { try AlertChannel.parse([["name": "p", "kind": "pagerduty"]]) }
        #expect(
            AlertChannel(name: "s", kind: .slack, url: "https://hooks.slack.com/services/T0/B0/secret").redactedURL == "https://hooks.slack.com/…")
    }
}
