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
            let checks = (input: body["input_file_id"]?.stringValue, endpoint: body["endpoint"]?.stringValue)
            guard let inputFileID = checks.input else {
                throw KeelError.invalidRequest(
                    "Missing required parameter: 'input_file_id'.", param: "input_file_id", code: "missing_required_parameter")
            }
            guard let endpoint = checks.endpoint, Self.endpoints.contains(endpoint) else {
                throw KeelError.invalidRequest(
                    "Invalid 'endpoint': expected one of \(Self.endpoints.sorted().joined(separator: ", ")).", param: "endpoint",
                    code: "invalid_value")
            }
            let window: String
            switch body["completion_window"] {
            case nil, .null?: window = "24h"
            case .string(let text)?: window = text
            case let other?:
                throw KeelError.invalidRequest(
                    "Invalid type for 'completion_window': expected a string such as 24h, but got \(other.typeName).", param: "completion_window",
                    code: "invalid_type")
            }
            guard let hours = Self.hours(window) else {
                throw KeelError.invalidRequest(
                    "Invalid 'completion_window' \"\(window)\": expected hours such as 24h.", param: "completion_window", code: "invalid_value")
            }
            guard let file = try await store.file(id: inputFileID), context.caller.scope.admits(file.owner) else {
                throw FileRoutes.notFound(inputFileID)
            }
            guard file.purpose == "batch" else {
                throw KeelError.invalidRequest(
                    "File \(inputFileID) was not uploaded with purpose 'batch'.", param: "input_file_id", code: "invalid_value")
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
            let limit = try QueryValue.integer(request.uri.queryParameters["limit"], "limit", in: 1...100) ?? 20
            let batches = try await store.batches(limit: limit, scope: context.caller.scope)
            return Response.json(["object": "list", "data": .array(batches.map(\.json)), "has_more": false])
        }
        routes.get("/v1/batches/{id}") { _, context in
            Response.json(try await batch(try context.pathParameter("id"), for: context.caller).json)
        }
        routes.post("/v1/batches/{id}/cancel") { _, context in
            var batch = try await batch(try context.pathParameter("id"), for: context.caller)
            guard !batch.status.isFinished else {
                throw KeelError(
                    status: 409, type: "invalid_request_error", message: "Batch \(batch.id) is already \(batch.status.rawValue).",
                    code: "batch_finished")
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

    /// `1h` to `168h`: digits, then `h`.
    static func hours(_ window: String) -> Int? {
        let digits = window.dropLast()
        guard window.hasSuffix("h"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let hours = Int(digits),
            (1...168).contains(hours)
        else { return nil }
        return hours
    }
}
