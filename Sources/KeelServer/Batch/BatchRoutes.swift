import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import KeelStore

/// The Batches API: `/v1/batches` create, retrieve, list, cancel. Keel runs them itself
/// (`BatchRunner`), against any provider, under the key that created them. A batch belongs to
/// that key (and its team), as files do.
struct BatchRoutes {
    let store: any BatchStore
    let runner: BatchRunner
    let maxBodyBytes: Int

    static var endpoints: Set<String> { ["/v1/chat/completions", "/v1/embeddings"] }

    func register(on routes: AccessGroup) {
        routes.post("/v1/batches") { request, context in
            var request = request
            let body = try KeelGateway.RequestBody.object(from: try await request.collectBody(limit: maxBodyBytes))
            let checks = (input: body["input_file_id"]?.stringValue, endpoint: body["endpoint"]?.stringValue, window: body["completion_window"]?.stringValue)
            guard let inputFileID = checks.input else {
                throw KeelError.invalidRequest("Missing required parameter: 'input_file_id'.", param: "input_file_id", code: "missing_required_parameter")
            }
            guard let endpoint = checks.endpoint, Self.endpoints.contains(endpoint) else {
                throw KeelError.invalidRequest(
                    "Invalid 'endpoint': expected one of \(Self.endpoints.sorted().joined(separator: ", ")).", param: "endpoint", code: "invalid_value")
            }
            let window = checks.window ?? "24h"
            guard let hours = Self.hours(window) else {
                throw KeelError.invalidRequest("Invalid 'completion_window' \"\(window)\": expected hours such as 24h.", param: "completion_window", code: "invalid_value")
            }
            guard let file = try await store.file(id: inputFileID), context.caller.scope.admits(file.owner) else {
                throw FileRoutes.notFound(inputFileID)
            }
            guard file.purpose == "batch" else {
                throw KeelError.invalidRequest("File \(inputFileID) was not uploaded with purpose 'batch'.", param: "input_file_id", code: "invalid_value")
            }
            let now = Date()
            var batch = StoredBatch(
                id: "batch_" + IdentifierRandom.hex(bytes: 12), endpoint: endpoint, inputFileID: inputFileID, completionWindow: window,
                status: .validating, createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(hours * 3600)))
            batch.metadata = body["metadata"].flatMap { $0.isNull ? nil : $0 }
            batch.owner = context.caller.apiKey.map(ObjectOwner.init)
            try await store.saveBatch(batch)
            runner.submit(batch.id)
            return Response.json(batch.json)
        }
        routes.get("/v1/batches") { request, context in
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init).map { min(max($0, 1), 100) } ?? 20
            let batches = try await store.batches(limit: limit, scope: context.caller.scope)
            return Response.json(["object": "list", "data": .array(batches.map(\.json)), "has_more": false])
        }
        routes.get("/v1/batches/{id}") { _, context in
            Response.json(try await batch(try context.parameters.require("id"), for: context.caller).json)
        }
        routes.post("/v1/batches/{id}/cancel") { _, context in
            var batch = try await batch(try context.parameters.require("id"), for: context.caller)
            guard !batch.status.isFinished else {
                throw KeelError(status: 409, type: "invalid_request_error", message: "Batch \(batch.id) is already \(batch.status.rawValue).", code: "batch_finished")
            }
            if batch.status != .cancelling {
                batch.status = .cancelling
                batch.timestamps["cancelling"] = Date()
                try await store.saveBatch(batch)
                runner.cancel(batch.id)
            }
            return Response.json(batch.json)
        }
    }

    /// The batch, if `caller` may see it; a batch of another key is not found, like a missing one.
    private func batch(_ id: String, for caller: Caller) async throws -> StoredBatch {
        guard let batch = try await store.batch(id: id), caller.scope.admits(batch.owner) else {
            throw KeelError(status: 404, type: "invalid_request_error", message: "No such Batch object: \(id)", param: "id", code: "batch_not_found")
        }
        return batch
    }

    static func hours(_ window: String) -> Int? {
        guard window.hasSuffix("h"), let hours = Int(window.dropLast()), (1...168).contains(hours) else { return nil }
        return hours
    }
}
