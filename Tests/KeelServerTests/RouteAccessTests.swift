import Foundation
import KeelCore
import Testing

/// Every route the gateway registers (read from `keel routes --json`, so a new route is in this
/// test the day it is added) is tried byte for byte on a raw connection under many spellings of
/// its path, without credentials, with the wrong ones and with the right ones: the route that
/// answers decides, whatever the spelling.
@Suite(.timeLimit(.minutes(5))) struct RouteAccessTests {
    static let adminKey = "admin-key-for-the-route-tests-0123456789"

    /// The access each route must have. A route missing here fails the test: add it, with the
    /// access it needs, when you add the route.
    static let expectedAccess: [String: String] = [
        "GET /healthz": "open", "GET /openapi.json": "open",
        "POST /v1/chat/completions": "api_key", "POST /v1/embeddings": "api_key",
        "GET /v1/models": "api_key", "GET /v1/models/{id}": "api_key",
        "POST /v1/files": "api_key", "GET /v1/files": "api_key", "GET /v1/files/{id}": "api_key",
        "GET /v1/files/{id}/content": "api_key", "DELETE /v1/files/{id}": "api_key",
        "POST /v1/batches": "api_key", "GET /v1/batches": "api_key", "GET /v1/batches/{id}": "api_key",
        "POST /v1/batches/{id}/cancel": "api_key",
        "POST /api/scores": "api_key", "GET /api/scores": "api_key",
        "GET /api/keys": "admin", "POST /api/keys": "admin", "DELETE /api/keys/{key}": "admin",
        "GET /api/cost": "admin", "GET /api/traces": "admin", "GET /api/traces/{id}": "admin", "POST /v1/traces": "admin",
        "GET /api/stats": "admin", "GET /api/events": "admin", "POST /api/guard": "admin", "GET /metrics": "admin",
        "POST /api/config/reload": "admin",
        "GET /api/prompts": "admin", "POST /api/prompts": "admin", "GET /api/prompts/{name}": "admin",
        "GET /api/prompts/{name}/versions": "admin", "POST /api/prompts/{name}/labels": "admin",
        "POST /api/prompts/{name}/rollback": "admin", "GET /api/prompts/{name}/diff": "admin",
        "GET /api/rollouts": "admin", "POST /api/rollouts": "admin", "GET /api/rollouts/{id}": "admin", "GET /api/rollouts/{id}/pairs": "admin",
        "POST /api/rollouts/{id}/promote": "admin", "POST /api/rollouts/{id}/abort": "admin",
        "GET /api/evals": "admin", "GET /api/evals/{id}": "admin", "GET /api/review/next": "admin",
        "GET /api/signals": "admin", "GET /api/incidents": "admin", "GET /api/incidents/{id}": "admin",
        "POST /api/incidents/{id}/ack": "admin", "POST /api/incidents/{id}/resolve": "admin",
        "POST /api/incidents/{id}/actions/{action}/revert": "admin", "POST /api/events": "admin",
    ]

    struct Route: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var access: String
        var description: String { "\(method) \(path)" }

        /// The path with its parameters filled with values that name nothing stored.
        var concretePath: String {
            path.replacingOccurrences(of: "{id}", with: "nothing-here-123").replacingOccurrences(of: "{key}", with: "no-such-key")
                .replacingOccurrences(of: "{name}", with: "no-such-prompt")
        }
    }

    /// What a spelling must do, compared with the canonical path.
    enum Outcome {
        /// Reaches the same route, with the same checks.
        case sameRoute
        /// Refused before routing (400).
        case refused
        /// Routes are case-sensitive: no route answers (404).
        case noRoute
    }

    struct Spelling {
        var name: String
        var target: String
        var outcome: Outcome
    }

    static func spellings(of path: String) -> [Spelling] {
        let segments = path.split(separator: "/").map(String.init)
        var spellings = [
            Spelling(name: "canonical", target: path, outcome: .sameRoute),
            Spelling(name: "leading double slash", target: "/" + path, outcome: .sameRoute),
            Spelling(name: "trailing slash", target: path + "/", outcome: .sameRoute),
            Spelling(name: "dot segment", target: "/." + path, outcome: .sameRoute),
            Spelling(name: "dot-dot segment", target: "/v1/.." + path, outcome: .sameRoute),
            Spelling(name: "dot inside", target: "/" + segments[0] + "/." + path.dropFirst(segments[0].count + 1), outcome: .sameRoute),
            Spelling(name: "query", target: path + "?x=1", outcome: .sameRoute),
            Spelling(name: "encoded slash", target: "/%2F" + path.dropFirst(), outcome: .refused),
            Spelling(name: "encoded lowercase slash", target: "/%2f" + path.dropFirst(), outcome: .refused),
            Spelling(name: "encoded dot-dot", target: "/v1/%2e%2e" + path, outcome: .refused),
            Spelling(name: "encoded backslash", target: "/v1%5C.." + path, outcome: .refused),
            Spelling(name: "above the root", target: "/.." + path, outcome: .refused),
            Spelling(name: "mixed case", target: "/" + segments[0].uppercased() + path.dropFirst(segments[0].count + 1), outcome: .noRoute),
        ]
        if segments.count > 1 {
            spellings.append(
                Spelling(name: "inner double slash", target: "/" + segments[0] + "/" + path.dropFirst(segments[0].count + 1), outcome: .sameRoute))
        }
        return spellings
    }

    /// The status of `method target` sent as is, with `secret` as the bearer token if any.
    static func status(port: Int, method: String, target: String, secret: String?) async throws -> Int {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: keel\r\nConnection: close\r\n"
        if let secret { head += "Authorization: Bearer \(secret)\r\n" }
        let body = method == "POST" ? "{}" : ""
        if method == "POST" { head += "Content-Type: application/json\r\n" }
        let reply = try await RawConnection.sendAndReadToEnd(port: port, head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        let statusLine = reply.prefix { $0 != "\r" }.split(separator: " ")
        return statusLine.count > 1 ? Int(statusLine[1]) ?? -1 : -1
    }

    @Test func everyRouteDecidesItsAccessUnderEverySpelling() async throws {
        let harness = try await GatewayHarness.start(
            models: "  - {name: chat, targets: [{provider: inproc, model: echo}]}", extra: "auth: {admin_key: \"\(Self.adminKey)\"}")
        defer { harness.stop() }
        let created = try await TestHTTP.post(
            harness.gateway.baseURL + "/api/keys", json: ["name": "route-test"], headers: ["authorization": "Bearer \(Self.adminKey)"])
        let apiKey = try #require(created.json?["key"]?.stringValue)

        let listing = try await KeelProcess.run(["routes", "--json", "--config", harness.configPath], environment: GatewayHarness.environment)
        #expect(listing.status == 0, "\(listing.output)")
        let json = try #require(listing.output.split(separator: "\n").last.flatMap { try? JSONValue.parse(String($0)) })
        let routes = (json.arrayValue ?? []).compactMap { row -> Route? in
            guard let method = row["method"]?.stringValue, let path = row["path"]?.stringValue, let access = row["access"]?.stringValue else {
                return nil
            }
            return Route(method: method, path: path, access: access)
        }
        #expect(routes.count >= Self.expectedAccess.count)
        for route in routes {
            #expect(Self.expectedAccess["\(route.method) \(route.path)"] == route.access, "\(route) is registered as \(route.access)")
        }

        let port = harness.gateway.port
        for route in routes {
            let path = route.concretePath
            let rightSecret = route.access == "admin" ? Self.adminKey : apiKey
            let canonical = try await Self.status(port: port, method: route.method, target: path, secret: rightSecret)
            #expect(canonical != 401 && canonical < 500, "\(route) with its credentials answered \(canonical)")
            if route.access == "admin" {
                let withAPIKey = try await Self.status(port: port, method: route.method, target: path, secret: apiKey)
                #expect(withAPIKey == 401, "\(route) let an API key in: \(withAPIKey)")
            }
            for spelling in Self.spellings(of: path) {
                let bare = try await Self.status(port: port, method: route.method, target: spelling.target, secret: nil)
                let wrong = try await Self.status(port: port, method: route.method, target: spelling.target, secret: "sk-keel-wrong-0000000000000000")
                let right = try await Self.status(port: port, method: route.method, target: spelling.target, secret: rightSecret)
                let context = "\(route) as \(spelling.name) \(spelling.target): no credentials \(bare), wrong \(wrong), right \(right)"
                switch spelling.outcome {
                case .sameRoute where route.access == "open":
                    #expect(bare == canonical && right == canonical, "\(context)")
                case .sameRoute:
                    #expect(bare == 401 && wrong == 401 && right == canonical, "\(context)")
                case .refused:
                    #expect(bare == 400 && wrong == 400 && right == 400, "\(context)")
                case .noRoute:
                    #expect(bare == 404 && wrong == 404 && right == 404, "\(context)")
                }
            }
        }
    }

    @Test func aGatewayBeyondLoopbackWithoutAnAdminKeyRefusesToStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-exposure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("keel.yaml")
        let yaml = """
            server: {host: 0.0.0.0, port: 0}
            storage: {url: "sqlite://keel.db"}
            providers: [{name: inproc, kind: mock}]
            models: [{name: chat, targets: [{provider: inproc, model: echo}]}]
            """
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let refused = try await KeelProcess.run(["serve", "--config", config.path])
        #expect(refused.status == 2)
        #expect(refused.output.contains("auth.admin_key is not set"), "\(refused.output)")

        try (yaml + "\nauth: {open_admin: true}\n").write(to: config, atomically: true, encoding: .utf8)
        let open = try await KeelProcess.start(["serve", "--config", config.path])
        defer { open.stop() }
        #expect(open.port != 0)
    }
}
