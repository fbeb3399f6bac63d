import ArgumentParser
import KeelServer

struct Mock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Keel's mock provider as a standalone server (OpenAI, Anthropic and Gemini APIs).")

    @Option(name: .long, help: "Port to listen on.")
    var port: Int = 9090

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Log level.")
    var logLevel: String = "warning"

    func run() async throws {
        let logger = ConfigOptions.parseOrExit(["--log-level", logLevel]).makeLogger(label: "keel.mock")
        try await KeelServer.serveMock(host: host, port: port, logger: logger) { port in
            announce("keel mock listening on http://\(host):\(port)")
        }
    }
}
