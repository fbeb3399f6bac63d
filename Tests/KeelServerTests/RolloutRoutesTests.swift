import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import Testing

/// `/api/rollouts`: the same rollouts as `keel rollouts`, started, read, promoted and aborted
/// over HTTP, served by the gateway that answers at once.
struct RolloutRoutesTests {
    static func api(_ harness: GatewayHarness, _ path: String = "") -> String { harness.gateway.baseURL + "/api/rollouts" + path }

    @Test func aRolloutIsStartedReadAndPromotedOverTheAPI() async throws {
        let harness = try await GatewayHarness.start(models: RolloutServingTests.models)
        defer { harness.stop() }
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "briefly"))
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "kindly"))

        let started = try await TestHTTP.post(
            Self.api(harness), json: ["prompt": "support-reply", "candidate": 2, "steps": [50, 100], "step_requests": 1000, "sticky": "none"])
        #expect(started.status == 201, "\(started.body)")
        let id = try #require(started.json?["id"]?.stringValue)
        #expect(started.json?["status"] == "active" && started.json?["weight"] == 50, "\(started.body)")
        #expect(started.json?["subject"] == "prompt:support-reply:production")

        // Served at once by this gateway: both versions answer, no wait for the store poll.
        var versions: Set<String> = []
        for _ in 0..<40 { if let version = try await RolloutServingTests.call(harness).version { versions.insert(version) } }
        #expect(versions == ["support-reply@1", "support-reply@2"])

        let read = try await TestHTTP.get(Self.api(harness, "/\(id)"))
        let stable = read.json?["stable"]?["requests"]?.intValue ?? 0
        let candidate = read.json?["candidate"]?["requests"]?.intValue ?? 0
        #expect(stable + candidate == 40, "the live figures of this process: \(read.body)")
        let list = try await TestHTTP.get(Self.api(harness) + "?status=active")
        #expect(list.json?["data"]?.arrayValue?.map { $0["id"] } == [.string(id)], "\(list.body)")

        let second = try await TestHTTP.post(Self.api(harness), json: ["prompt": "support-reply", "candidate": 2])
        #expect(second.status == 409 && second.json?["error"]?["code"] == "rollout_exists", "\(second.body)")

        let promoted = try await TestHTTP.post(Self.api(harness, "/\(id)/promote"), json: [:])
        #expect(promoted.status == 200 && promoted.json?["status"] == "promoted", "\(promoted.body)")
        #expect(promoted.json?["candidate"]?["requests"] == .int(Int64(candidate)), "promoted with its live figures: \(promoted.body)")
        for _ in 0..<10 { #expect(try await RolloutServingTests.call(harness).version == "support-reply@2") }
        let events = try await RolloutServingTests.events(harness, kind: "rollout_promoted")
        #expect(events.count == 1, "\(events)")
        let again = try await TestHTTP.post(Self.api(harness, "/\(id)/abort"), json: [:])
        #expect(again.status == 409 && again.json?["error"]?["code"] == "rollout_ended", "\(again.body)")
    }

    @Test func anAbortOverTheAPIStopsTheCandidateAndRecordsTheReason() async throws {
        let harness = try await GatewayHarness.start(models: RolloutServingTests.models)
        defer { harness.stop() }
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "briefly"))
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "kindly"))
        let started = try await TestHTTP.post(Self.api(harness), json: ["prompt": "support-reply", "candidate": 2, "steps": [50, 100]])
        #expect(started.status == 201, "\(started.body)")
        let id = try #require(started.json?["id"]?.stringValue)
        let aborted = try await TestHTTP.post(Self.api(harness, "/\(id)/abort"), json: ["reason": "the tone is wrong"])
        #expect(aborted.status == 200 && aborted.json?["status"] == "aborted", "\(aborted.body)")
        for _ in 0..<10 { #expect(try await RolloutServingTests.call(harness).version == "support-reply@1") }
        let events = try await RolloutServingTests.events(harness, kind: "rollout_aborted")
        #expect(events.first?["detail"]?["reason"] == "the tone is wrong", "\(events)")

        // Had an incident aborted it, reverting that action resumes the rollout from its first step.
        var incident = Incident(
            finding: Finding(kind: .costPerRequest, scope: .init(.prompt, "support-reply@2"), severity: .error, title: "cost", figures: [:]),
            now: Date())
        let action = Remedy(
            kind: .abortRollout, mode: .auto, status: .applied, reason: "cost", subject: ["rollout_id": .string(id), "prompt": "support-reply"],
            at: Date())
        incident.actions.append(action)
        let store = try await StoreFactory.open(StorageConfig(url: "sqlite://" + harness.directory.appendingPathComponent("keel.db").path))
        try await store.saveIncident(IncidentRecord(id: incident.id, status: "open", openedAt: incident.openedAt, body: incident.storedJSON))
        let reverted = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/incidents/\(incident.id)/actions/\(action.id)/revert", json: ["by": "ana"])
        #expect(reverted.status == 200, "\(reverted.body)")
        let note = reverted.json?["actions"]?[0]?["note"]?.stringValue ?? ""
        #expect(reverted.json?["actions"]?[0]?["status"] == "reverted" && note.hasPrefix("resumed as rollout ro_"), "\(reverted.body)")
        let rollouts = try await TestHTTP.get(Self.api(harness, "?status=active")).json?["data"]?.arrayValue ?? []
        let resumed = try #require(rollouts.first, "no active rollout after the revert")
        #expect(note.contains(resumed["id"]?.stringValue ?? "-") && resumed["weight"] == 50, "\(resumed)")
        #expect(resumed["spec"]?["subject"]?["candidate"] == 2 && resumed["spec"]?["subject"]?["stable"] == 1, "\(resumed)")
        var versions = Set<String>()
        for _ in 0..<40 { versions.insert(try await RolloutServingTests.call(harness).version ?? "none") }
        #expect(versions == ["support-reply@1", "support-reply@2"], "the resumed rollout serves both arms: \(versions)")
        let again = try await TestHTTP.post(harness.gateway.baseURL + "/api/incidents/\(incident.id)/actions/\(action.id)/revert", json: [:])
        #expect(again.status == 409, "\(again.body)")
    }

    static let badStarts: [(body: JSONValue, param: String, status: Int)] = [
        (["prompt": "support-reply"], "candidate", 400),
        (["prompt": "support-reply", "candidate": 9], "candidate", 400),
        (["prompt": "support-reply", "candidate": 2, "label": "staging"], "label", 400),
        (["prompt": "nope", "candidate": 2], "prompt", 404),
        (["prompt": "support-reply", "model": "smart", "candidate": 2], "prompt", 400),
        (["model": "smart", "candidate_target": "nowhere/echo"], "candidate_target", 400),
        (["model": "smart", "candidate_target": "echo"], "candidate_target", 400),
        (["model": "ghost", "candidate_target": "up/echo2"], "model", 400),
        (["prompt": "support-reply", "candidate": 2, "steps": "5,100"], "steps", 400),
        (["prompt": "support-reply", "candidate": "2"], "candidate", 400),
    ]

    @Test func badStartsAreRefusedNamingTheParameter() async throws {
        let harness = try await GatewayHarness.start(models: RolloutServingTests.models)
        defer { harness.stop() }
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "briefly"))
        try await RolloutServingTests.push(harness, RolloutServingTests.file(model: "smart", style: "kindly"))
        for (body, param, status) in Self.badStarts {
            let reply = try await TestHTTP.post(Self.api(harness), json: body)
            #expect(reply.status == status, "\(body): \(reply.body)")
            #expect(reply.json?["error"]?["param"] == .string(param), "\(body): \(reply.body)")
        }
        #expect(try await TestHTTP.get(Self.api(harness)).json?["data"]?.arrayValue?.isEmpty == true, "nothing was started")
        let unknown = try await TestHTTP.get(Self.api(harness, "/ro_nope"))
        #expect(unknown.status == 404 && unknown.json?["error"]?["code"] == "rollout_not_found")
        let badStatus = try await TestHTTP.get(Self.api(harness) + "?status=paused")
        #expect(badStatus.status == 400 && badStatus.json?["error"]?["param"] == "status")
    }
}
