import ArgumentParser
import Foundation
import KeelCore
import KeelServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Port to listen on (overrides server.port).")
    var port: Int?

    @Option(name: .long, help: "Address to listen on (overrides server.host).")
    var host: String?

    func run() async throws {
        let (loaded, source) = try options.load()
        let config = overridden(loaded)
        let host = config.server.host
        let logger = options.makeLogger(label: "keel")
        let models = config.models.map(\.name).joined(separator: ", ")
        do {
            let reloadable = ConfigSource(description: source) { try overridden(options.loadForReload().0) }
            try await KeelServer.serve(config: config, source: reloadable, logger: logger) { port in
                announce("keel listening on http://\(host):\(port)/v1 (config: \(source); models: \(models))")
            }
        } catch let refused as StartRefused {
            FileHandle.standardError.write(Data("error: \(refused.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The configuration with the command line's overrides, at start and on every reload.
    private func overridden(_ loaded: KeelConfig) -> KeelConfig {
        var config = loaded
        if let port { config.server.port = port }
        if let host { config.server.host = host }
        return config
    }
}
