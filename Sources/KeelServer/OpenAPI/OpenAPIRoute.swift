import Foundation
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3.1 description of Keel's HTTP API. The document is the
/// package resource `OpenAPI/openapi.json`, its one copy, read once when the gateway is built;
/// a test holds its paths to the routes the gateway registers, and schemathesis holds the
/// gateway to it (`tests/schemathesis`).
struct OpenAPIRoute {
    let document: ByteBuffer

    struct Missing: Error, CustomStringConvertible {
        var description: String { "the OpenAPI document (resource openapi.json of KeelServer) is missing from the build" }
    }

    /// The document from the module's resources.
    static func load() throws -> OpenAPIRoute {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else { throw Missing() }
        return OpenAPIRoute(document: ByteBuffer(bytes: try Data(contentsOf: url)))
    }

    func register(on routes: AccessGroup) {
        routes.get("/openapi.json") { _, _ in Response.json(encoded: document) }
    }
}
