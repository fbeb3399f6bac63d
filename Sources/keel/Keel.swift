import ArgumentParser
import NIOCore
import NIOPosix

@main
enum Entrypoint {
    static func main() async {
        // Tasks run on the event loops that own the sockets: a request no longer hops between
        // NIO's threads and a separate concurrency pool (a context switch each way on 2 cores).
        // Nothing in Keel blocks a task: SQLite work runs on GRDB's own queues.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Keel.main()
    }
}

struct Keel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keel",
        abstract: "An OpenAI-compatible LLM gateway with failover, in one binary.",
        subcommands: [
            Serve.self, Mock.self, Check.self, Routes.self, Traces.self, Guard.self, Keys.self, Prompts.self, Rollouts.self, Eval.self,
            Incidents.self, Cost.self, Store.self,
        ])
}
