import Foundation
import KeelCore
import Testing

/// A `keel mock` upstream and a `keel serve` gateway in front of it, both real processes on
/// loopback, with a configuration written for the test.
final class GatewayHarness: @unchecked Sendable {
    let mock: KeelProcess
    /// Replaced only by `restartGateway`, which a test calls between requests.
    private(set) var gateway: KeelProcess
    let directory: URL

    init(mock: KeelProcess, gateway: KeelProcess, directory: URL) {
        self.mock = mock
        self.gateway = gateway
        self.directory = directory
    }

    /// Stops the gateway gracefully (its traces written) and starts it again on the same store,
    /// after `whileStopped` (which may change the store) has run.
    func restartGateway(whileStopped: () async throws -> Void = {}) async throws {
        _ = try await gateway.terminateGracefully()
        try await whileStopped()
        gateway = try await Self.startGateway(configPath: configPath, mockURL: mock.baseURL, directory: directory)
    }

    /// Kills the gateway with SIGKILL (nothing written, nothing finished) and starts it again
    /// on the same store.
    func crashAndRestartGateway() async throws {
        gateway.stop()
        gateway = try await Self.startGateway(configPath: configPath, mockURL: mock.baseURL, directory: directory)
    }

    /// Another `keel serve` on the same configuration (and so the same store), on its own port:
    /// a second replica of a fleet. The caller stops it.
    func startReplica() async throws -> KeelProcess {
        try await Self.startGateway(configPath: configPath, mockURL: mock.baseURL, directory: directory)
    }

    private static func startGateway(configPath: String, mockURL: String, directory: URL) async throws -> KeelProcess {
        try await KeelProcess.start(
            ["serve", "--config", configPath, "--log-level", "warning"],
            environment: environment.merging(["KEEL_TEST_MOCK_URL": mockURL]) { _, new in new }, workingDirectory: directory)
    }

    var v1: String { gateway.baseURL + "/v1" }

    /// What the configuration needs from the environment.
    static let environment = ["KEEL_TEST_UPSTREAM_KEY": "sk-test-secret-upstream-key"]

    /// `models` is the `models:` section of keel.yaml; providers `up` (OpenAI API), `claude`
    /// (Anthropic API) and `gemini` (Gemini API) point at the mock, `down` at a closed port.
    /// `{MOCK}` in `extra` is the mock's base URL (its alert receiver is at `{MOCK}/mock/alerts/NAME`).
    /// `storage` is `storage.url` (a SQLite file in the test's folder unless a test names a PostgreSQL database).
    static func start(
        models: String, resilience: String = "", server: String = "", extra: String = "", storage: String = "sqlite://keel.db"
    ) async throws -> GatewayHarness {
        let mock = try await KeelProcess.start(["mock", "--port", "0"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let yaml = """
            server: {host: 127.0.0.1, port: 0\(server)}
            storage: {url: "\(storage)"}
            resilience: {backoff_initial_ms: 10, backoff_max_ms: 50\(resilience)}
            providers:
              - {name: up, kind: openai, base_url: "\(mock.baseURL)/v1", api_key: "${KEEL_TEST_UPSTREAM_KEY}"}
              - {name: claude, kind: anthropic, base_url: "\(mock.baseURL)", api_key: "sk-ant-test-key-123456"}
              - {name: gemini, kind: gemini, base_url: "\(mock.baseURL)", api_key: "gemini-test-key-123456"}
              - {name: down, kind: openai, base_url: "http://127.0.0.1:9/v1"}
              - {name: inproc, kind: mock}
            models:
            \(models)
            \(extra.replacingOccurrences(of: "{MOCK}", with: mock.baseURL))
            """
        let path = directory.appendingPathComponent("keel.yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        do {
            let gateway = try await startGateway(configPath: path.path, mockURL: mock.baseURL, directory: directory)
            return GatewayHarness(mock: mock, gateway: gateway, directory: directory)
        } catch {
            mock.stop()
            throw error
        }
    }

    func stop() {
        gateway.stop()
        mock.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func chat(_ model: String, _ text: String = "hello from the test", stream: Bool = false, extra: JSONObject = [:], headers: [String: String] = [:])
        async throws -> TestHTTP.Reply
    {
        try await TestHTTP.post(v1 + "/chat/completions", json: Self.chatBody(model, text, stream: stream, extra: extra), headers: headers)
    }

    func streamChat(_ model: String, _ text: String = "one two three four five", extra: JSONObject = [:]) async throws -> (TestHTTP.Reply, [String]) {
        try await TestHTTP.streamEvents(v1 + "/chat/completions", json: Self.chatBody(model, text, stream: true, extra: extra))
    }

    static func chatBody(_ model: String, _ text: String, stream: Bool = false, extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]]
        if stream { body["stream"] = true }
        body.merge(extra) { _, new in new }
        return .object(body)
    }

    var configPath: String { directory.appendingPathComponent("keel.yaml").path }

    /// The stored trace with this id, once the writer has written it.
    func trace(_ id: String, headers: [String: String] = [:]) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let reply = try await TestHTTP.get(gateway.baseURL + "/api/traces/\(id)", headers: headers)
            if reply.status == 200, let json = reply.json { return json }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw KeelProcess.StartError(message: "trace \(id) was not stored")
    }

    /// The stored traces matching `query`, polled until `enough` holds for them or five
    /// seconds pass: the writer stores traces a moment after the answer.
    func traces(
        _ query: String, headers: [String: String] = [:], until enough: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(5)
        var traces: [JSONValue] = []
        repeat {
            let page = try await TestHTTP.get(gateway.baseURL + "/api/traces?" + query, headers: headers)
            traces = page.json?["data"]?.arrayValue ?? []
            if enough(traces) { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return traces
    }

    func mockStats() async throws -> JSONValue {
        try #require(try await TestHTTP.get(mock.baseURL + "/mock/stats").json)
    }
}
