import ArgumentParser
import KeelCore

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a configuration and print what it defines.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, source) = try options.load()
        print("\(source): ok")
        print("listen: http://\(config.server.host):\(config.server.port)   storage: \(PostgresURL.redacting(config.storage.url))")
        for provider in config.providers {
            let key = (provider.apiKey?.isEmpty ?? true) ? "no key" : "key set"
            print("provider \(provider.name): \(provider.kind.rawValue) \(provider.baseURL) (\(key))")
        }
        for model in config.models {
            let chain = model.targets.map { "\($0.provider)/\($0.model)" }.joined(separator: " -> ")
            print("model \(model.name): \(chain)   timeout \(model.timeoutMs) ms, retries \(model.retries)")
        }
    }
}
