import KeelCore

/// Picks the model a cost router sends a request to, when the request names a router.
enum CostRouting {
    static func apply(to request: inout ChatRequest, routers: [String: CostRouter], draft: inout TraceDraft) {
        guard let router = routers[request.model] else { return }
        let decision = router.decide(request.body, headers: draft.headers)
        draft.routing = decision.json(router: request.model)
        request.model = decision.model
        request.body["model"] = .string(decision.model)
        draft.body = request.body
    }
}
