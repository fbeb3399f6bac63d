import Foundation
import Hummingbird
import KeelCore
import KeelPrompts
import KeelStore

/// `/api/rollouts`: start a rollout, read both arms' figures, promote or abort (the same as
/// `keel rollouts`), served by this process at once rather than at its next look at the store.
struct RolloutRoutes {
    let control: @Sendable () -> RolloutControl
    let store: any RolloutStore
    let driver: RolloutDriver
    let prompts: PromptCatalogRefresher
    let maxBodyBytes: Int

    func register(on routes: AccessGroup) {
        routes.get("/api/rollouts") { request, _ in
            let parameters = request.uri.queryParameters
            let status = try QueryValue.oneOf(parameters["status"], "status", RolloutRecord.Status.allCases.map(\.rawValue))
                .flatMap(RolloutRecord.Status.init(rawValue:))
            let control = control()
            let records = try await store.rollouts(status: status).sorted { $0.createdAt > $1.createdAt }
            return Response.json(["object": "list", "data": .array(try records.map(control.json))])
        }
        routes.post("/api/rollouts") { request, _ in
            let body = try await AdminBody.object(request, limit: maxBodyBytes)
            let control = control()
            let (record, _) = try await control.start(try Self.target(body), flags: try Self.flags(body), actor: try Self.actor(body))
            try await driver.sync()
            return Response.json(try control.json(record), status: .created)
        }
        routes.get("/api/rollouts/{id}") { _, context in
            let control = control()
            return Response.json(try control.json(try await control.record(id: try context.pathParameter("id"))))
        }
        routes.get("/api/rollouts/{id}/pairs") { request, context in
            let limit = try QueryValue.integer(request.uri.queryParameters["limit"], "limit", in: 1...1000) ?? 20
            return Response.json(try await control().pairs(id: try context.pathParameter("id"), limit: limit))
        }
        routes.post("/api/rollouts/{id}/promote") { request, context in
            let id = try context.pathParameter("id")
            let body = try await AdminBody.object(request, limit: maxBodyBytes, emptyAllowed: true)
            let control = control()
            _ = try await control.promote(id: id, actor: try Self.actor(body))
            try await driver.sync()
            try? await prompts.refresh()
            return Response.json(try control.json(try await control.record(id: id)))
        }
        routes.post("/api/rollouts/{id}/abort") { request, context in
            let id = try context.pathParameter("id")
            let body = try await AdminBody.object(request, limit: maxBodyBytes, emptyAllowed: true)
            let reason = try AdminBody.optionalString(body, "reason") ?? "aborted by hand"
            let control = control()
            _ = try await control.abort(id: id, reason: reason)
            try await driver.sync()
            return Response.json(try control.json(try await control.record(id: id)))
        }
    }

    /// `force` and `author`, for a protected label.
    private static func actor(_ body: JSONObject) throws(KeelError) -> RolloutControl.Actor {
        RolloutControl.Actor(
            author: try AdminBody.optionalString(body, "author") ?? "api", via: "api", force: try AdminBody.optionalBool(body, "force") ?? false)
    }

    /// `{"prompt": NAME, "candidate": V, "label"?: L}` or `{"model": NAME, "candidate_target": "P/M"}`.
    private static func target(_ body: JSONObject) throws(KeelError) -> RolloutControl.Target {
        let prompt = try AdminBody.optionalString(body, "prompt")
        let model = try AdminBody.optionalString(body, "model")
        switch (prompt, model) {
        case (let prompt?, nil):
            guard let candidate = try AdminBody.optionalInteger(body, "candidate"), candidate > 0 else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: 'candidate' (the candidate version: 1, 2, ...).", param: "candidate",
                    code: "missing_required_parameter")
            }
            let label = try AdminBody.optionalString(body, "label") ?? PromptReference.defaultLabel
            return .prompt(name: prompt, label: label, candidate: candidate)
        case (nil, let model?):
            guard let candidateTarget = try AdminBody.optionalString(body, "candidate_target") else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: 'candidate_target' (PROVIDER/UPSTREAM_MODEL).", param: "candidate_target",
                    code: "missing_required_parameter")
            }
            return .model(name: model, candidateTarget: candidateTarget)
        default:
            throw KeelError.invalidRequest(
                "Give 'prompt' (with 'candidate') or 'model' (with 'candidate_target'), not both.", param: "prompt",
                code: "missing_required_parameter")
        }
    }

    /// The same settings as `keel rollouts start`'s flags, by their snake_case names.
    private static func flags(_ body: JSONObject) throws(KeelError) -> RolloutFlags {
        var flags = RolloutFlags()
        flags.weight = try AdminBody.optionalNumber(body, "weight")
        if let steps = body["steps"], !steps.isNull {
            guard let list = steps.arrayValue, !list.isEmpty, list.allSatisfy({ $0.doubleValue != nil }) else {
                throw KeelError.invalidRequest(
                    "Invalid 'steps': expected an array of percentages, like [5, 25, 50, 100].", param: "steps", code: "invalid_type")
            }
            flags.steps = list.compactMap(\.doubleValue).map { $0.formatted(.number.grouping(.never)) }.joined(separator: ",")
        }
        flags.stepRequests = try AdminBody.optionalInteger(body, "step_requests")
        flags.stepMinutes = try AdminBody.optionalNumber(body, "step_minutes")
        flags.sticky = try AdminBody.optionalString(body, "sticky")
        flags.shadow = try AdminBody.optionalBool(body, "shadow") ?? false
        flags.maxErrorRateIncrease = try AdminBody.optionalNumber(body, "max_error_rate_increase")
        flags.maxLatencyRatio = try AdminBody.optionalNumber(body, "max_latency_ratio")
        flags.maxLatencyIncreaseMs = try AdminBody.optionalNumber(body, "max_latency_increase_ms")
        flags.maxCostRatio = try AdminBody.optionalNumber(body, "max_cost_ratio")
        flags.minSamples = try AdminBody.optionalInteger(body, "min_samples")
        return flags
    }
}
