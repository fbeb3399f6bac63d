import Foundation
import Hummingbird
import KeelCore
import KeelMonitor
import KeelStore

/// Incidents (admin): `GET /api/incidents[?status=open|acknowledged|resolved&limit=]`, newest
/// first; `GET /api/incidents/{id}` with its timeline; `POST .../ack` and `POST .../resolve`
/// (`{"by"?}`), which a running monitor carries out at once (a resolve is sent to every channel);
/// `POST .../actions/{action}/revert` undoes an action Keel applied for it.
struct IncidentRoutes {
    let store: any IncidentStore
    let monitor: MonitorService
    let maxBodyBytes: Int

    static let statuses = ["open", "acknowledged", "resolved"]

    func register(on routes: AccessGroup) {
        routes.get("/api/incidents") { request, _ in
            let parameters = request.uri.queryParameters
            let status = try QueryValue.oneOf(parameters["status"], "status", Self.statuses)
            let limit = try QueryValue.integer(parameters["limit"], "limit", in: 1...1000) ?? 100
            let records = try await store.incidents(status: status, limit: limit)
            return Response.json(["object": "list", "data": .array(records.compactMap { Incident(json: $0.body)?.summaryJSON })])
        }
        routes.get("/api/incidents/{id}") { _, context in
            Response.json(try await incident(try context.pathParameter("id")).json)
        }
        routes.post("/api/incidents/{id}/ack") { request, context in
            let id = try context.pathParameter("id")
            let who = try await Self.actor(request, limit: maxBodyBytes)
            _ = try await incident(id)
            guard let acknowledged = await monitor.acknowledge(id: id, by: who) else { throw Self.notOpen(id) }
            return Response.json(acknowledged.json)
        }
        routes.post("/api/incidents/{id}/actions/{action}/revert") { request, context in
            let id = try context.pathParameter("id")
            let action = try context.pathParameter("action")
            let who = try await Self.actor(request, limit: maxBodyBytes)
            _ = try await incident(id)
            return Response.json(try await monitor.revert(action: action, on: id, by: who).json)
        }
        routes.post("/api/incidents/{id}/resolve") { request, context in
            let id = try context.pathParameter("id")
            let who = try await Self.actor(request, limit: maxBodyBytes)
            _ = try await incident(id)
            guard let resolved = await monitor.resolve(id: id, by: who) else { throw Self.notOpen(id) }
            return Response.json(resolved.json)
        }
    }

    private func incident(_ id: String) async throws -> Incident {
        guard let record = try await store.incident(id: id), let incident = Incident(json: record.body) else {
            throw KeelError(
                status: 404, type: "invalid_request_error", message: "No incident has the id '\(id)'.", param: "id", code: "incident_not_found")
        }
        return incident
    }

    private static func actor(_ request: Request, limit: Int) async throws -> String {
        let body = try await AdminBody.object(request, limit: limit, emptyAllowed: true)
        return try AdminBody.optionalString(body, "by") ?? "api"
    }

    private static func notOpen(_ id: String) -> KeelError {
        KeelError(
            status: 409, type: "invalid_request_error", message: "Incident '\(id)' is not open here (resolved, or acknowledged already).",
            param: "id", code: "incident_not_open")
    }
}
