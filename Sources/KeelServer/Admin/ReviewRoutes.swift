import Hummingbird
import KeelCore
import KeelGateway
import KeelStore

/// Human review (admin): `GET /api/review/next` hands out the most urgent trace not yet
/// annotated (negative feedback first, then low judge scores, then the other scored traces), with
/// its scores; the reviewer answers with `POST /api/scores` and `source: annotation`, under the
/// name of the judge's score to calibrate it (`keel eval calibrate`).
struct ReviewRoutes {
    let store: any TraceStore & ScoreStore
    /// The gateway whose prompt catalog renders a call by reference stored as called.
    let gateway: Gateway

    func register(on routes: AccessGroup) {
        routes.get("/api/review/next") { _, _ in
            let remaining = try await store.reviewQueueCount()
            // A scored trace that retention has since deleted is passed over.
            for item in try await store.reviewQueue(limit: 20) {
                guard let trace = try await store.trace(id: item.traceID) else { continue }
                var json = trace.withSentRequest(from: gateway.snapshot.prompts).json.objectValue ?? [:]
                json["scores"] = .array(try await store.scores(traceID: trace.id).map(\.json))
                return Response.json([
                    "object": "review_item", "reason": .string(item.reason.rawValue), "remaining": .int(Int64(remaining)), "trace": .object(json),
                ])
            }
            return Response.json(["object": "review_item", "reason": .null, "remaining": 0, "trace": .null])
        }
    }
}
