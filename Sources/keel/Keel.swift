import ArgumentParser

@main
struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "An OpenAI-compatible LLM gateway with failover, in one binary.",
        subcommands: [Serve.self, Mock.self, Check.self, Traces.self])
}
