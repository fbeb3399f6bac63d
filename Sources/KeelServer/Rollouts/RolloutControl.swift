import Foundation
import KeelCore
import KeelGateway
import KeelPrompts
import KeelStore

/// Starting, ending and reading rollouts: what `keel rollouts` does on the store and
/// `/api/rollouts` does in a serving gateway. Refusals are `KeelError`s naming the parameter
/// (400 for a bad request, 404 for an unknown rollout or prompt, 409 for a second active
/// rollout of one subject or one that has ended).
public struct RolloutControl: Sendable {
    /// What a rollout changes, as asked for.
    public enum Target: Sendable {
        case prompt(name: String, label: String, candidate: Int)
        case model(name: String, candidateTarget: String)
    }

    let store: any RolloutStore & PromptStore & TraceStore & EvalRunStore
    let config: KeelConfig
    /// The serving gateway's rollouts: a rollout ended here is ended with its live figures, and
    /// one read here shows them. Nil in `keel rollouts`, which has only the store.
    let board: RolloutBoard?

    public init(store: any RolloutStore & PromptStore & TraceStore & EvalRunStore, config: KeelConfig, board: RolloutBoard? = nil) {
        self.store = store
        self.config = config
        self.board = board
    }

    /// Who acts, for the event a forced protected label records: `author` through `via` (cli, api).
    public struct Actor: Sendable {
        public var author: String
        public var via: String
        public var force: Bool

        public init(author: String, via: String, force: Bool = false) {
            self.author = author
            self.via = via
            self.force = force
        }
    }

    /// Starts a rollout; one of a protected label needs a passing eval run of the candidate
    /// (the rollout may promote it by itself), unless forced.
    public func start(_ target: Target, flags: RolloutFlags, actor: Actor? = nil, now: Date = Date()) async throws -> (RolloutRecord, Rollout) {
        let subject = try await subject(of: target)
        try await checkProtectedLabel(subject, actor: actor)
        let spec: RolloutSpec
        do throws(RolloutConfigError) {
            spec = try flags.spec(id: RolloutSpec.newID(), subject: subject, defaults: try RolloutDefaults(config.rollouts), now: now)
        } catch {
            throw KeelError.invalidRequest(error.description, code: "invalid_rollout")
        }
        let rollout = Rollout(spec: spec, now: now)
        let record = RolloutRecord(
            id: spec.id, subject: spec.subject.key, spec: spec.json, state: rollout.state.json, status: .active, createdAt: now, updatedAt: now)
        try await create(record)
        return (record, rollout)
    }

    private func create(_ record: RolloutRecord) async throws {
        do {
            try await store.createRollout(record)
        } catch let error as RolloutStoreError {
            throw KeelError(status: 409, type: "invalid_request_error", message: error.description, code: "rollout_exists")
        }
    }

    public func promote(id: String, actor: Actor? = nil, now: Date = Date()) async throws -> Rollout {
        try await checkProtectedLabel(try RolloutActions.rollout(try await record(id: id)).spec.subject, actor: actor)
        return try await end(id: id, now: now) { $0.promote(now: now) }
    }

    private func checkProtectedLabel(_ subject: RolloutSpec.Subject, actor: Actor?) async throws {
        guard case .prompt(let name, let label, _, let candidate) = subject else { return }
        try await ProtectedLabelGate(store: store, protectedLabels: config.protectedLabels).check(
            name: name, label: label, version: candidate, force: actor?.force ?? false, author: actor?.author ?? "unknown",
            via: actor?.via ?? "api")
    }

    public func abort(id: String, reason: String, now: Date = Date()) async throws -> Rollout {
        try await end(id: id, now: now) { $0.abort(reason: reason, now: now) }
    }

    /// Starts an aborted rollout again from its first step, as a new rollout with the same
    /// candidate, steps, stickiness and guards (the stable side as its label now points);
    /// what reverting an incident's `abort_rollout` does.
    public func resume(id: String, now: Date = Date()) async throws -> RolloutRecord {
        let record = try await record(id: id)
        guard record.status == .aborted else {
            throw KeelError(
                status: 409, type: "invalid_request_error", message: "Rollout '\(id)' is \(record.status.rawValue), not aborted.", param: "id",
                code: "rollout_not_aborted")
        }
        var spec = try RolloutActions.rollout(record).spec
        switch spec.subject {
        case .prompt(let name, let label, _, let candidate):
            spec.subject = try await subject(of: .prompt(name: name, label: label, candidate: candidate))
        case .model(let name, let candidateTarget): spec.subject = try await subject(of: .model(name: name, candidateTarget: candidateTarget))
        }
        spec.id = RolloutSpec.newID()
        spec.createdAt = now
        let rollout = Rollout(spec: spec, now: now)
        let resumed = RolloutRecord(
            id: spec.id, subject: spec.subject.key, spec: spec.json, state: rollout.state.json, status: .active, createdAt: now, updatedAt: now)
        try await create(resumed)
        return resumed
    }

    /// The stored record of a rollout, or a 404.
    public func record(id: String) async throws -> RolloutRecord {
        guard let record = try await store.rollouts(status: nil).first(where: { $0.id == id }) else {
            throw KeelError(
                status: 404, type: "invalid_request_error", message: "No rollout has the id '\(id)'.", param: "id", code: "rollout_not_found")
        }
        return record
    }

    /// A rollout with both arms' figures: the live ones when this process serves it.
    public func json(_ record: RolloutRecord) throws -> JSONValue {
        let stored = try RolloutActions.rollout(record)
        var object = (board?.status(rolloutID: record.id) ?? stored.status).objectValue ?? [:]
        object["id"] = .string(record.id)
        object["object"] = "rollout"
        object["subject"] = .string(record.subject)
        object["status"] = .string(record.status.rawValue)
        object["created_at"] = .string(Trace.format(record.createdAt))
        object["spec"] = record.spec
        return .object(object)
    }

    /// A shadow rollout's latest pairs, newest first: each live request's answer beside the
    /// candidate's answer to its copy, with the similarity, latency and cost of each.
    public func pairs(id: String, limit: Int) async throws -> JSONValue {
        let record = try await record(id: id)
        var rows: [JSONValue] = []
        for pair in try await store.shadowPairs(rolloutID: record.id, limit: limit) {
            rows.append([
                "id": .string(pair.id), "created_at": .string(Trace.format(pair.createdAt)),
                "similarity": pair.similarity.map(JSONValue.double) ?? .null,
                "stable": Self.side(pair.stableTraceID, try await store.trace(id: pair.stableTraceID), of: pair),
                "candidate": Self.side(pair.candidateTraceID, try await store.trace(id: pair.candidateTraceID), of: pair),
            ])
        }
        return ["object": "list", "rollout": .string(record.id), "data": .array(rows)]
    }

    /// One answer of a shadow pair: its text (or tool calls), status, latency and cost. Traces
    /// are written in batches, so a new pair's may not be stored yet (`pending`); an old pair's
    /// may have gone with the traces' retention (`missing`).
    private static func side(_ traceID: String, _ trace: Trace?, of pair: ShadowPair) -> JSONValue {
        guard let trace else {
            let status = Date().timeIntervalSince(pair.createdAt) < 60 ? "pending" : "missing"
            return ["trace_id": .string(traceID), "status": .string(status)]
        }
        var side: JSONObject = [
            "trace_id": .string(traceID), "status": .string(trace.status), "latency_ms": .double(trace.latencyMs),
            "cost_usd": trace.costUSD.map(JSONValue.double) ?? .null, "output": trace.output["content"] ?? .null,
        ]
        if let toolCalls = trace.output["tool_calls"] { side["tool_calls"] = toolCalls }
        if let version = trace.prompt?.version { side["prompt_version"] = .int(Int64(version)) }
        if let error = trace.errorMessage { side["error"] = .string(error) }
        return .object(side)
    }

    /// Ends an active rollout with `change`: through the board when this process serves it (its
    /// figures are newer than the store's), else on the stored state; carried out at once.
    private func end(id: String, now: Date, _ change: (inout Rollout) -> [RolloutAction]) async throws -> Rollout {
        let record = try await record(id: id)
        guard record.status == .active else {
            throw KeelError(
                status: 409, type: "invalid_request_error", message: "Rollout '\(id)' has already ended (\(record.status.rawValue)).", param: "id",
                code: "rollout_ended")
        }
        var rollout = try RolloutActions.rollout(record)
        let actions: [RolloutAction]
        if let live = board?.end(rolloutID: id, change) {
            (rollout, actions) = live
        } else {
            actions = change(&rollout)
        }
        try await RolloutActions(store: store).carryOut(actions, of: rollout.spec, now: now)
        return rollout
    }

    private func subject(of target: Target) async throws -> RolloutSpec.Subject {
        switch target {
        case .model(let model, let candidateTarget):
            guard let configured = config.model(named: model), configured.router == nil else {
                throw Self.invalid("'\(model)' is not a configured model with targets.", param: "model")
            }
            guard let slash = candidateTarget.firstIndex(of: "/"), slash != candidateTarget.startIndex,
                candidateTarget.index(after: slash) != candidateTarget.endIndex
            else { throw Self.invalid("Expected PROVIDER/UPSTREAM_MODEL, found '\(candidateTarget)'.", param: "candidate_target") }
            let provider = String(candidateTarget[..<slash])
            guard config.providers.contains(where: { $0.name == provider }) else {
                throw Self.invalid("'\(provider)' is not a configured provider.", param: "candidate_target")
            }
            if let first = configured.targets.first, "\(first.provider)/\(first.model)" == candidateTarget {
                throw Self.invalid("Model '\(model)' already sends to \(candidateTarget) first.", param: "candidate_target")
            }
            return .model(name: model, candidateTarget: candidateTarget)
        case .prompt(let name, let label, let candidate):
            let labels = try await store.promptLabels().filter { $0.name == name }
            guard !labels.isEmpty else {
                throw KeelError(
                    status: 404, type: "invalid_request_error", message: "Unknown prompt '\(name)'.", param: "prompt", code: "prompt_not_found")
            }
            guard let stable = labels.first(where: { $0.label == label })?.version else {
                throw Self.invalid(
                    "Prompt '\(name)' has no label '\(label)' (labels: \(labels.map(\.label).sorted().joined(separator: ", "))).", param: "label")
            }
            guard try await store.promptVersions(name: name).contains(where: { $0.version == candidate }) else {
                throw Self.invalid("Prompt '\(name)' has no version \(candidate).", param: "candidate")
            }
            guard candidate != stable else { throw Self.invalid("'\(label)' already points at version \(candidate).", param: "candidate") }
            return .prompt(name: name, label: label, stable: stable, candidate: candidate)
        }
    }

    private static func invalid(_ message: String, param: String) -> KeelError {
        KeelError.invalidRequest(message, param: param, code: "invalid_rollout")
    }
}
