import Foundation
import KeelCore
import Testing

/// `GET /openapi.json` serves the OpenAPI document, to anyone, and the document describes exactly
/// the routes the gateway registers (`keel routes --json`), each with the credentials its access
/// needs: a route added without its description, or described and gone, fails here.
@Suite(.timeLimit(.minutes(2))) struct OpenAPIDocumentTests {
    static let adminKey = "admin-key-for-the-openapi-tests-0123456789"
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
    /// The security requirement of each access level, by its scheme's name in the document.
    static let security: [String: JSONValue] = ["open": [], "api_key": [["apiKey": []]], "admin": [["adminKey": []]]]

    @Test func theServedDocumentDescribesExactlyTheRoutesTheGatewayHas() async throws {
        let harness = try await GatewayHarness.start(
            models: "  - {name: chat, targets: [{provider: inproc, model: echo}]}", extra: "auth: {admin_key: \"\(Self.adminKey)\"}")
        defer { harness.stop() }

        let reply = try await TestHTTP.get(harness.gateway.baseURL + "/openapi.json")
        #expect(reply.status == 200, "the document needs no credentials: \(reply.status)")
        #expect(reply.headers.first(name: "content-type") == "application/json")
        let document = try #require(reply.json)
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.1") == true)

        let listing = try await KeelProcess.run(["routes", "--json", "--config", harness.configPath], environment: GatewayHarness.environment)
        let routes = try #require(listing.output.split(separator: "\n").last.flatMap { try? JSONValue.parse(String($0)) }?.arrayValue)
        var registered: [String: String] = [:]
        for route in routes {
            guard let method = route["method"]?.stringValue, let path = route["path"]?.stringValue, let access = route["access"]?.stringValue
            else { continue }
            registered["\(method) \(path)"] = access
        }

        var described: [String: JSONValue] = [:]
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] where Self.methods.contains(method) {
                described["\(method.uppercased()) \(path)"] = operation
            }
        }

        #expect(!registered.isEmpty)
        #expect(
            Set(described.keys) == Set(registered.keys),
            """
            registered, not described: \(Set(registered.keys).subtracting(described.keys).sorted())
            described, not registered: \(Set(described.keys).subtracting(registered.keys).sorted())
            """)
        for (route, access) in registered {
            guard let operation = described[route] else { continue }
            #expect(operation["security"] == Self.security[access], "\(route) (\(access)) is described with \(operation["security"] ?? .null)")
        }
    }
}
