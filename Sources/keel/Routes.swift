import ArgumentParser
import Foundation
import KeelCore
import KeelServer

/// `keel routes`: every endpoint of the gateway with the credentials it needs.
struct Routes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every endpoint of the gateway and who may call it (open, api_key, admin).")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Print a JSON array of {method, path, access}.")
    var json = false

    func run() async throws {
        let (config, _) = try options.load()
        let routes = try await KeelServer.routeTable(config: config, logger: options.makeLogger(label: "keel"))
        if json {
            let rows = routes.map { JSONValue.object(["method": .string($0.method), "path": .string($0.path), "access": .string($0.access)]) }
            print(JSONValue.array(rows).encodedString())
            return
        }
        for route in routes {
            print(
                route.method.padding(toLength: 8, withPad: " ", startingAt: 0) + route.path.padding(toLength: 32, withPad: " ", startingAt: 0)
                    + route.access)
        }
    }
}
