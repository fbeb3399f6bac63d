import Foundation
import KeelCore
import KeelStore
import Testing

@testable import KeelMonitor

/// Correlation ranks what changed before a breach; the planner turns an incident into actions
/// inside the policy envelope; event detectors open incidents from drift and budget events.
struct CorrelationAndRemediationTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let topology = Topology(
        modelTargets: ["smart": ["up/gpt", "alt/claude"], "solo": ["up/gpt"]], promptModels: ["support-reply": "smart"])

    static func event(_ kind: String, ago: TimeInterval, provider: String? = nil, model: String? = nil, _ detail: JSONObject = [:]) -> StoredEvent {
        StoredEvent(createdAt: now.addingTimeInterval(-ago), kind: kind, provider: provider, upstreamModel: model, detail: .object(detail))
    }

    static let drift = event("model_version_changed", ago: 60, provider: "up", model: "gpt", ["from": "gpt-0806", "to": "gpt-1120"])
    static let deploy = event("deploy", ago: 30, ["title": "web 1.4.2"])
    static let labelMove = event("prompt_label_moved", ago: 90, ["name": "support-reply", "label": "production", "from": 1, "to": 2])
    static let stale = event("model_version_changed", ago: 7200, provider: "up", model: "gpt", ["from": "a", "to": "b"])
    static let unrelated = event("model_version_changed", ago: 10, provider: "other", model: "x", ["from": "a", "to": "b"])

    static func finding(_ kind: Finding.Kind, _ scope: Finding.Scope) -> Finding {
        Finding(kind: kind, scope: scope, severity: .error, title: "breach", figures: ["window_s": 10, "baseline_s": 40, "score": "helpful"])
    }

    @Test func aQualityDropNamesTheModelVersionChangeOfItsFirstTargetFirst() {
        let changes = [Self.deploy, Self.labelMove, Self.drift, Self.stale, Self.unrelated].compactMap(Change.init(event:))
        let correlator = Correlator(lookback: 3600, topology: Self.topology)
        let causes = correlator.causes(of: Self.finding(.quality, .init(.model, "smart")), at: Self.now, changes: changes, book: SignalBook())
        #expect(causes.map(\.kind) == ["model_version_changed", "prompt_label_moved", "deploy"], "\(causes.map(\.title))")
        #expect(causes[0].title == "up/gpt answers as gpt-1120 (was gpt-0806)")
        #expect(causes[0].evidence["change"]?["scope"]?["target"] == "up/gpt")
        // For a cost breach a label move ranks above a version change.
        let cost = correlator.causes(of: Self.finding(.costPerRequest, .init(.model, "smart")), at: Self.now, changes: changes, book: SignalBook())
        #expect(cost.first?.kind == "prompt_label_moved", "\(cost.map(\.title))")
    }

    @Test func aPromptVersionThatGrewIsNamedFromTheSignals() {
        let book = SignalBook()
        for second in 0..<60 {
            let time = Self.now.addingTimeInterval(Double(second) - 60)
            let recent = second >= 50
            book.record(
                RequestSignal(
                    time: time, scopes: [.none: "all", .model: "smart", .prompt: recent ? "support-reply@2" : "support-reply@1"],
                    outcome: .succeeded, latencyMs: 100, tokens: recent ? 300 : 100))
        }
        let causes = Correlator(lookback: 3600, topology: Self.topology).causes(
            of: Self.finding(.tokensPerRequest, .init(.model, "smart")), at: Self.now, changes: [], book: book)
        let grown = causes.first { $0.kind == "prompt_version" }
        #expect(grown?.title == "support-reply@2 uses 3.0x the tokens per request of support-reply@1", "\(causes.map(\.title))")
    }

    @Test func thePlannerActsWithinThePolicyAndNeverTakesTheLastHealthyTarget() throws {
        var settings = RemediationSettings()
        settings.autonomy[.failOver] = .auto
        settings.autonomy[.ejectTarget] = .auto
        settings.autonomy[.abortRollout] = .auto
        let planner = RemediationPlanner(settings: settings)
        var situation = RemediationPlanner.Situation(topology: Self.topology)

        // A failing target that is another model's only one is refused, and says why.
        var outage = Incident(finding: Self.finding(.targetErrors, .init(.target, "up/gpt")), now: Self.now)
        let refused = planner.plan(for: outage, in: situation, now: Self.now)
        #expect(refused.map(\.status) == [.refused] && refused[0].note == "up/gpt is the last healthy target of solo", "\(refused)")
        situation.topology.modelTargets["solo"] = ["up/gpt", "alt/claude"]
        let ejected = planner.plan(for: outage, in: situation, now: Self.now)
        #expect(ejected.map(\.kind) == [.ejectTarget] && ejected[0].status == .applied && ejected[0].until == Self.now.addingTimeInterval(600))
        // Not twice while in force, and not past the hourly bound.
        situation.actionsInForce = [ejected[0].identity]
        #expect(planner.plan(for: outage, in: situation, now: Self.now).isEmpty)
        situation.actionsInForce = []
        situation.automaticActionsLeft = 0
        let held = planner.plan(for: outage, in: situation, now: Self.now)
        #expect(held.map(\.status) == [.suggested] && held[0].note?.contains("5 automatic actions an hour") == true)
        situation.automaticActionsLeft = 5

        // A quality drop caused by the first target's version change fails the model over.
        var quality = Incident(finding: Self.finding(.quality, .init(.model, "smart")), now: Self.now)
        quality.causes = Correlator(lookback: 3600, topology: Self.topology).causes(
            of: Self.finding(.quality, .init(.model, "smart")), at: Self.now, changes: [Change(event: Self.drift)!], book: SignalBook())
        let failover = planner.plan(for: quality, in: situation, now: Self.now)
        #expect(
            failover.map(\.kind) == [.failOver] && failover[0].subject == ["model": "smart", "target": "up/gpt"] && failover[0].status == .applied)
        situation.failingTargets = ["alt/claude"]
        #expect(planner.plan(for: quality, in: situation, now: Self.now).map(\.status) == [.refused])

        // A prompt version's cost: its label's rollback is suggested; with a rollout active, the rollout is aborted.
        outage = Incident(finding: Self.finding(.costPerRequest, .init(.prompt, "support-reply@2")), now: Self.now)
        situation.promptLabels = ["support-reply": ["production": 2, "latest": 2, "staging": 1]]
        let rollback = planner.plan(for: outage, in: situation, now: Self.now)
        #expect(rollback.map(\.kind) == [.rollbackPrompt, .rollbackPrompt] && rollback.allSatisfy { $0.status == .suggested })
        #expect(rollback.compactMap { $0.subject["label"]?.stringValue } == ["latest", "production"])
        situation.activeRollouts = ["ro_1": "prompt:support-reply:production"]
        let abort = planner.plan(for: outage, in: situation, now: Self.now)
        #expect(abort.map(\.kind) == [.abortRollout] && abort[0].status == .applied && abort[0].subject["rollout_id"] == "ro_1")

        // A key's cost spike: its output clamped and its rate limit tightened, each as its autonomy says.
        let spender = Incident(finding: Self.finding(.costPerRequest, .init(.key, "key_ci")), now: Self.now)
        let onKey = planner.plan(for: spender, in: situation, now: Self.now)
        #expect(onKey.map(\.kind) == [.clampOutput, .tightenRateLimit] && onKey.allSatisfy { $0.status == .suggested }, "\(onKey)")
        #expect(onKey[1].subject == ["key": "key_ci", "rpm": 60])

        // An action reads back from the incident's JSON.
        let remedy = try #require(abort.first)
        #expect(Remedy(json: remedy.json) == remedy)
    }

    @Test func driftAndBudgetEventsOpenIncidentsForTheirWindow() {
        let budget = Self.event("budget_alert", ago: 5, ["scope": "key", "name": "ci", "budget": "$10/day", "spent_usd": 9.1, "percent": 90])
        let detector = EventDetector(modelVersions: .init(window: 600), budgets: .init(window: 600))
        let findings = detector.findings(in: [Self.drift, Self.stale, budget], now: Self.now)
        #expect(findings.map(\.kind) == [.budget, .modelVersionChanged], "\(findings)")
        #expect(findings[0].scope == Finding.Scope(.key, "ci") && findings[0].severity == .error)
        #expect(findings[1].scope == Finding.Scope(.target, "up/gpt") && findings[1].title == "up/gpt now answers as gpt-1120 (was gpt-0806)")
        #expect(EventDetector(modelVersions: nil, budgets: nil).findings(in: [Self.drift, budget], now: Self.now).isEmpty)
        #expect(detector.findings(in: [Self.drift], now: Self.now.addingTimeInterval(3600)).isEmpty)
    }

    @Test func theRemediationBlockReadsAndNamesWhatIsWrong() throws {
        let settings = try RemediationSettings([
            "max_actions_per_hour": 3, "actions": ["eject_target": "off", "fail_over": "auto", "clamp_output": false], "eject_for_s": 30,
            "tighten_rpm": 10, "tighten_for_s": 120,
        ])
        #expect(settings.maxActionsPerHour == 3 && settings.ejectFor == 30 && settings.tightenRPM == 10 && settings.tightenFor == 120)
        #expect(settings.autonomy(of: .ejectTarget) == .off && settings.autonomy(of: .failOver) == .auto)
        #expect(settings.autonomy(of: .clampOutput) == .off && settings.autonomy(of: .rollbackPrompt) == .suggest)
        let wrong: [(JSONObject, String)] = [
            (["actions": ["eject_target": "sometimes"]], "remediation.actions.eject_target"),
            (["actions": ["reboot": "auto"]], "remediation.actions.reboot"),
            (["max_actions_per_hour": 0], "remediation.max_actions_per_hour"), (["limit": 1], "remediation.limit"),
        ]
        for (block, key) in wrong {
            #expect(throws: MonitorSettingsError.self) { try RemediationSettings(block) }
            do {
                _ = try RemediationSettings(block)
            } catch {
                #expect(error.key == key, "\(block)")
            }
        }
        let monitoring = try MonitorSettings(["renotify_s": 120, "correlation_window_s": 600, "detectors": ["budget": false]])
        #expect(
            monitoring.renotifyAfter == 120 && monitoring.correlationWindow == 600 && monitoring.budget == nil
                && monitoring.modelVersionChanged != nil)
    }
}

/// SLOs read from `slos:`, and their multiwindow burn-rate alerts.
struct SLOTests {
    @Test func sloBlocksReadAndNameWhatIsWrong() throws {
        let slos = try SLO.parse([
            ["name": "chat-availability", "model": "smart", "objective": "availability", "target": 0.995],
            ["name": "chat-latency", "model": "smart", "objective": "latency_p95_ms", "threshold": 3000],
            ["name": "chat-cost", "model": "smart", "objective": "cost_per_request_usd", "threshold": 0.004],
            [
                "name": "chat-quality", "model": "smart", "objective": "score", "score": "helpful", "threshold": 0.8,
                "windows": [["long_s": 60, "short_s": 5, "burn_rate": 2, "severity": "critical"]],
            ],
        ])
        #expect(slos.map(\.objective) == [.availability, .latencyP95, .costPerRequest, .score])
        #expect(slos[0].windows == SLO.defaultWindows && slos[0].scope == Finding.Scope(.model, "smart"))
        #expect(slos[3].windows.count == 1 && slos[3].longestWindow == 60)
        let wrong: [(JSONValue, String)] = [
            (["name": "a", "objective": "uptime"], "slos[0].objective"),
            (["name": "a", "objective": "availability", "target": 1.5], "slos[0].target"),
            (["name": "a", "objective": "score", "threshold": 0.8], "slos[0].score"), (["objective": "availability"], "slos[0].name"),
            (["name": "a", "objective": "latency_p95_ms"], "slos[0].threshold"),
            (["name": "a", "objective": "availability", "target": 0.9, "colour": 1], "slos[0].colour"),
        ]
        for (item, key) in wrong {
            do {
                _ = try SLO.parse([item])
                Issue.record("accepted \(item)")
            } catch {
                #expect(error.key == key, "\(item): \(error)")
            }
        }
    }

    @Test func bothWindowsMustBurnForAnAlert() throws {
        let slo = try #require(
            try SLO.parse([
                [
                    "name": "avail", "model": "smart", "objective": "availability", "target": 0.9,
                    "windows": [["long_s": 60, "short_s": 10, "burn_rate": 2, "severity": "critical"]],
                ]
            ]).first)
        let book = SignalBook()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // 60 s at 10% errors (burn 1), then the last 10 s all failing.
        for second in 0..<60 {
            let failing = second >= 50 || second % 10 == 0
            book.record(
                RequestSignal(
                    time: now.addingTimeInterval(Double(second) - 59), scopes: [.model: "smart"], outcome: failing ? .failed : .succeeded,
                    latencyMs: 10))
        }
        let detector = SLOBurnDetector(slos: [slo])
        let finding = try #require(detector.findings(in: book, now: now).first)
        #expect(finding.kind == .sloBurn && finding.severity == .critical && finding.dedupKey == "slo_burn:model:smart:avail")
        #expect((finding.figures["burn_rate_short"]?.doubleValue ?? 0) >= 9.9)
        // Recovered: the short window is clean, so no alert though the long one still burns.
        for second in 60..<70 {
            book.record(
                RequestSignal(time: now.addingTimeInterval(Double(second) - 59), scopes: [.model: "smart"], outcome: .succeeded, latencyMs: 10))
        }
        #expect(detector.findings(in: book, now: now.addingTimeInterval(10)).isEmpty)
        #expect(detector.burnRates(in: book, now: now).map(\.window) == [10, 60])
    }
}
