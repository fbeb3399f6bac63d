import Foundation
import Hummingbird
import KeelCore
import KeelStore

/// The Files API, for batch input and output: `/v1/files` upload, list, retrieve, content, delete.
struct FileRoutes<Context: RequestContext> {
    let store: any BatchStore
    let authenticator: KeyAuthenticator
    let maxBodyBytes: Int

    static var purposes: Set<String> { ["batch", "batch_output", "user_data", "fine-tune", "assistants"] }

    func register(on router: Router<Context>) {
        router.post("/v1/files") { request, _ in
            _ = try await authenticator.callerKey(request.headers)
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
                createdAt: Date())
            try await store.createFile(file, content: upload.data)
            return Response.json(file.json)
        }
        router.get("/v1/files") { request, _ in
            _ = try await authenticator.callerKey(request.headers)
            let files = try await store.files(purpose: request.uri.queryParameters.get("purpose"))
            return Response.json(["object": "list", "data": .array(files.map(\.json)), "has_more": false])
        }
        router.get("/v1/files/{id}") { request, context in
            _ = try await authenticator.callerKey(request.headers)
            return Response.json(try await file(try context.parameters.require("id")).json)
        }
        router.get("/v1/files/{id}/content") { request, context in
            _ = try await authenticator.callerKey(request.headers)
            let id = try context.parameters.require("id")
            _ = try await file(id)
            let content = try await store.fileContent(id: id) ?? Data()
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        router.delete("/v1/files/{id}") { request, context in
            _ = try await authenticator.callerKey(request.headers)
            let id = try context.parameters.require("id")
            guard try await store.deleteFile(id: id) else { throw Self.notFound(id) }
            return Response.json(["id": .string(id), "object": "file", "deleted": true])
        }
    }

    private func file(_ id: String) async throws -> StoredFile {
        guard let file = try await store.file(id: id) else { throw Self.notFound(id) }
        return file
    }

    static func notFound(_ id: String) -> KeelError {
        KeelError(status: 404, type: "invalid_request_error", message: "No such File object: \(id)", param: "id", code: "file_not_found")
    }
}
