import Hummingbird
import KeelCore
import KeelStore

/// Stored eval runs (admin): `GET /api/evals` lists them newest first (`?suite=&prompt=&verdict=&limit=`),
/// `GET /api/evals/{id}` is one run's whole report, as `keel eval run --output report.json` wrote it.
struct EvalRoutes {
    let store: any EvalRunStore

    static let verdicts = ["passed", "failed", "error"]

    func register(on routes: AccessGroup) {
        routes.get("/api/evals") { request, _ in
            let parameters = request.uri.queryParameters
            func text(_ key: String) -> String? { parameters[Substring(key)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            var query = EvalRunQuery(suite: text("suite"), prompt: text("prompt"))
            query.verdict = try QueryValue.oneOf(parameters["verdict"], "verdict", Self.verdicts)
            query.limit = try QueryValue.integer(parameters["limit"], "limit", in: 1...1000) ?? 50
            let runs = try await store.evalRuns(query)
            return Response.json(["object": "list", "data": .array(runs.map(\.summaryJSON))])
        }
        routes.get("/api/evals/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let run = try await store.evalRun(id: id) else {
                throw KeelError(
                    status: 404, type: "invalid_request_error", message: "No eval run has the id '\(id)'.", param: "id", code: "eval_run_not_found")
            }
            var report = run.report.objectValue ?? [:]
            report["object"] = "eval_run"
            report["origin"] = .string(run.origin)
            return Response.json(.object(report))
        }
    }
}
