// The gateway pipeline's own cost, without a network: the benchmark's chat request answered
// by an in-process mock provider through everything Keel does to it (parsing and validation,
// routing, timeouts, pricing, Prometheus metrics, drift, the trace built and written to
// SQLite through the trace queue), one request after another. It reports the CPU time of the
// whole process per request, the trace writer's thread included, so that a change to the
// pipeline can be weighed in microseconds where the end-to-end benchmark's noise is larger,
// and the heap allocations per request (every thread's, counted by interposing the allocator:
// the same on every run of the same build, so a change can be weighed even on a noisy machine).
// Release builds only: a debug build allocates some twenty times as often.
//   swift run -c release keel-pipeline-bench [--count 50000] [--rounds 5]
import Foundation
import KeelAllocationCounter
import KeelCore
import KeelGateway
import KeelProviders
import KeelStore
import Logging
import NIOCore
import NIOPosix
import Prometheus

let arguments = CommandLine.arguments
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}
let count = option("--count", default: 50_000)
let rounds = option("--rounds", default: 5)
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// The same request as the end-to-end benchmark's `bench/gateway/chat.lua`.
let body = Data(
    #"""
    {"model":"bench","temperature":0.2,"max_tokens":256,"messages":[{"role":"system","content":"You are a helpful support assistant for an online bookshop. Answer briefly and politely, and ask for the order number when the customer asks about an order."},{"role":"user","content":"Hi, I ordered two books last week and only one arrived. What should I do?"},{"role":"assistant","content":"I am sorry to hear that. Could you give me your order number so I can check?"},{"role":"user","content":"Sure, it is 4417-2290. Thanks for the quick help."}]}
    """#.utf8)
let headers = ["content-type": "application/json", "authorization": "Bearer sk-keel-bench-7f3a9c2e5b1d4e8f9a0b6c3d2e1f4a5b"]

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-pipeline-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let config = try ConfigLoader.parse(
    yaml: """
        storage: {url: "sqlite://\(directory.path)/keel.db"}
        providers:
          - {name: local, kind: mock}
        models:
          - {name: bench, targets: [{provider: local, model: echo}]}
        pricing:
          - {provider: local, model: echo, input: 0.15, output: 0.60}
        """)
let logger = Logger(label: "keel-pipeline-bench")
let store = try StoreFactory.open(config.storage)
let writer = StoreFactory.writer(for: store, config: config.storage, logger: logger)
let writing = Task { try await writer.run() }
let providers = ProviderFactory.make(config.providers, http: UpstreamHTTPClient(pool: UpstreamConnectionPool()))
let gateway = Gateway(
    config: config, providers: providers, traces: writer, keys: store, prices: .builtIn(overrides: config.pricing),
    metrics: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()), logger: logger)

/// What a round cost each request, and how many it answered a second.
struct RoundFigures {
    var cpuMicroseconds: Double
    var allocations: Double
    var requestsPerSecond: Double
}

/// Answers `count` requests one after another and waits until their traces are written.
func round(_ count: Int) async throws -> RoundFigures {
    let written = writer.counters.written
    let allocations = keel_allocation_count()
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    for _ in 0..<count {
        try await gateway.chatCompletion(IncomingRequest(body: body, headers: headers)) { _ in }
    }
    while writer.counters.written < written + count { try await Task.sleep(for: .milliseconds(1)) }
    let wall = ContinuousClock.now - start
    let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    return RoundFigures(
        cpuMicroseconds: (cpuSeconds() - cpu) / Double(count) * 1e6, allocations: Double(keel_allocation_count() - allocations) / Double(count),
        requestsPerSecond: Double(count) / seconds)
}

/// As the server runs a request: in a task that prefers an event loop as its executor.
func onEventLoop(_ count: Int) async throws -> RoundFigures {
    let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
    return try await Task(executorPreference: executor) {
        try await EventLoopTaskExecutor.$current.withValue(executor) { try await round(count) }
    }.value
}

_ = try await onEventLoop(min(count, 2_000))  // warm-up
var cpuPerRequest: [Double] = []
var allocationsPerRequest: [Double] = []
for index in 1...rounds {
    let figures = try await onEventLoop(count)
    cpuPerRequest.append(figures.cpuMicroseconds)
    allocationsPerRequest.append(figures.allocations)
    print(
        String(
            format: "round %d: %.1f µs of CPU per request, %.1f allocations per request, %.0f requests/s", index,
            figures.cpuMicroseconds, figures.allocations, figures.requestsPerSecond))
}
let cpuMedian = cpuPerRequest.sorted()[rounds / 2]
let allocationMedian = allocationsPerRequest.sorted()[rounds / 2]
print(
    String(
        format: "median: %.1f µs of CPU and %.1f allocations per request (%d requests a round, %d rounds)",
        cpuMedian, allocationMedian, count, rounds))
writing.cancel()
