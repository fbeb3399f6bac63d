import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// The Files API, for batch input and output: `/v1/files` upload, list, retrieve, content, delete.
/// A file belongs to the key that uploaded it (and its team): another key is told it does not
/// exist; the admin key sees every file.
struct FileRoutes {
    let store: any BatchStore
    let maxBodyBytes: Int

    static var purposes: Set<String> { ["batch", "batch_output", "user_data", "fine-tune", "assistants"] }

    func register(on routes: AccessGroup) {
        routes.post("/v1/files") { request, context in
            var request = request
            let body = try await request.collectBody(limit: maxBodyBytes)
            let form = try MultipartForm(contentType: request.headers[.contentType] ?? "", body: body)
            guard let purpose = form.value("purpose") else {
                throw KeelError.invalidRequest("Missing required parameter: 'purpose'.", param: "purpose", code: "missing_required_parameter")
            }
            guard Self.purposes.contains(purpose) else {
                throw KeelError.invalidRequest("Invalid 'purpose' \"\(purpose)\" (expected batch).", param: "purpose", code: "invalid_value")
            }
            guard let upload = form.file("file") else {
                throw KeelError.invalidRequest("Missing required parameter: 'file'.", param: "file", code: "missing_required_parameter")
            }
            let file = StoredFile(
                id: "file-" + IdentifierRandom.hex(bytes: 12), purpose: purpose, filename: upload.filename ?? "upload", bytes: upload.data.count,
                createdAt: Date(), owner: context.caller.apiKey.map(ObjectOwner.init))
            try await store.createFile(file, content: upload.data)
            return Response.json(file.json)
        }
        routes.get("/v1/files") { request, context in
            let files = try await store.files(purpose: request.uri.queryParameters.get("purpose"), scope: context.caller.scope)
            return Response.json(["object": "list", "data": .array(files.map(\.json)), "has_more": false])
        }
        routes.get("/v1/files/{id}") { _, context in
            Response.json(try await file(try context.pathParameter("id"), for: context.caller).json)
        }
        routes.get("/v1/files/{id}/content") { _, context in
            let id = try context.pathParameter("id")
            _ = try await file(id, for: context.caller)
            let content = try await store.fileContent(id: id) ?? Data()
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        routes.delete("/v1/files/{id}") { _, context in
            let id = try context.pathParameter("id")
            _ = try await file(id, for: context.caller)
            guard try await store.deleteFile(id: id) else { throw Self.notFound(id) }
            return Response.json(["id": .string(id), "object": "file", "deleted": true])
        }
    }

    /// The file, if `caller` may see it; a file of another key is not found, like a missing one.
    private func file(_ id: String, for caller: Caller) async throws -> StoredFile {
        guard let file = try await store.file(id: id), caller.scope.admits(file.owner) else { throw Self.notFound(id) }
        return file
    }

    static func notFound(_ id: String) -> KeelError {
        KeelError(status: 404, type: "invalid_request_error", message: "No such File object: \(id)", param: "id", code: "file_not_found")
    }
}
