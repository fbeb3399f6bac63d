// The gateway pipeline's own cost, without a network: the benchmark's chat request answered
// by an in-process static provider (a canned completion, as the HTTP benchmark's static nginx
// upstream answers: it takes the bytes Keel would send and reads none of them, so that Keel's
// own work decides) through everything Keel does to it (parsing and validation,
// routing, timeouts, pricing, Prometheus metrics, drift, the trace built and written to
// SQLite through the trace queue), one request after another. It reports the CPU time of the
// whole process per request, the trace writer's thread included, so that a change to the
// pipeline can be weighed in microseconds where the end-to-end benchmark's noise is larger,
// and the heap allocations per request (every thread's, counted by interposing the allocator:
// the same on every run of the same build, so a change can be weighed even on a noisy machine).
// Release builds only: a debug build allocates some twenty times as often.
// Two scenarios, measured in the same run and alternated round by round (plain first in odd
// rounds, by reference first in even ones) so that a slow spell of a shared machine falls on
// both alike: `plain`, the end-to-end benchmark's chat body, and `prompt`, the same request as
// a call by reference (`bench/gateway/prompt.lua`: the version labelled production of the
// prompt `bench-support`, installed in the gateway, renders the system message), which
// PromptStage resolves, renders and pins before the request is re-encoded for the provider.
// A third scenario, `limited`, sends the plain body with an API key that has a budget and
// rate limits (requests and tokens per minute, set high enough never to refuse), so that the
// admission stage reserves, draws and settles for every request.
// After the rounds it weighs the core of the prompt stage alone: the reference read, resolved
// from the catalog, and the version's messages written as the bytes sent upstream begin
// (`--skip-alone` leaves that out, for a profile of the rounds only).
// `--segments` prints where each round lies in time, so that one profile of an alternating
// run can be split by scenario: a slow spell of the machine then weighs on both alike.
// `--evict KB` writes over that many KB before each request, so that the request finds its
// code and data out of the caches, as a server's request does after the network, the kernel
// and the other requests have run: the stage of a call by reference costs 1.0 µs here in a
// tight loop, 1.8 µs with `--evict 1024`, and 2.4 to 2.8 µs under the HTTP profiler.
// `--upstream mock` answers with Keel's mock provider instead, which reads the request's JSON
// body (and so makes a call by reference's rendered body, which a network upstream never needs).
//   swift run -c release keel-pipeline-bench [--count 50000] [--rounds 5] [--only plain|prompt|limited[,...]] [--upstream static|mock] [--segments] [--skip-alone] [--evict KB]
import Foundation
import KeelAllocationCounter
import KeelCore
import KeelGateway
import KeelPrompts
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
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let only = option("--only")
/// `--segments`: each round's start and end on the monotonic clock, for a profile taken with
/// `perf record -k CLOCK_MONOTONIC` to be split by scenario (`bench/pipeline/split_profile.py`).
let printsSegments = arguments.contains("--segments")
/// `--evict KB`: before each request, write over that many KB, as a server's other work
/// (sockets, the kernel, the other requests) does between two requests: the request then
/// finds its data and code out of the caches, as it does over HTTP.
let evictedBytes = option("--evict", default: 0) * 1024
nonisolated(unsafe) let evicted = UnsafeMutableRawBufferPointer.allocate(byteCount: max(64, evictedBytes), alignment: 64)
func evictCaches() {
    var offset = 0
    while offset < evictedBytes {
        evicted.storeBytes(of: UInt64(truncatingIfNeeded: offset), toByteOffset: offset, as: UInt64.self)
        offset += 64
    }
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
let upstream = option("--upstream") ?? "static"
guard upstream == "static" || upstream == "mock" else { fatalError("--upstream is static or mock, not \(upstream)") }
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// The same request as the end-to-end benchmark's `bench/gateway/chat.lua`.
let body = Data(
    #"""
    {"model":"bench","temperature":0.2,"max_tokens":256,"messages":[{"role":"system","content":"You are a helpful support assistant for an online bookshop. Answer briefly and politely, and ask for the order number when the customer asks about an order."},{"role":"user","content":"Hi, I ordered two books last week and only one arrived. What should I do?"},{"role":"assistant","content":"I am sorry to hear that. Could you give me your order number so I can check?"},{"role":"user","content":"Sure, it is 4417-2290. Thanks for the quick help."}]}
    """#.utf8)
/// The same request as a call by reference (`bench/gateway/prompt.lua`): the catalog's
/// `bench-support` renders the system message, the request's own messages follow, and the
/// upstream body comes out the same as the plain one's, so the two differ only in Keel's work.
let promptBody = Data(
    #"""
    {"model":"bench","prompt":{"id":"bench-support","variables":{"shop":"bookshop"}},"messages":[{"role":"user","content":"Hi, I ordered two books last week and only one arrived. What should I do?"},{"role":"assistant","content":"I am sorry to hear that. Could you give me your order number so I can check?"},{"role":"user","content":"Sure, it is 4417-2290. Thanks for the quick help."}]}
    """#.utf8)
let promptYAML = """
    name: bench-support
    model: bench
    params: {temperature: 0.2, max_tokens: 256}
    variables: {shop: string}
    messages:
      - {role: system, content: "You are a helpful support assistant for an online {{shop}}. Answer briefly and politely, and ask for the order number when the customer asks about an order."}
    """
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
let store = try await StoreFactory.open(config.storage)
let writer = StoreFactory.writer(for: store, config: config.storage, logger: logger)
let writing = Task { try await writer.run() }
/// Answers every completion with the same canned body, as the HTTP benchmark's static upstream
/// does: it takes the bytes Keel would send, reads none of them, and decodes the answer as the
/// HTTP client decodes a provider's.
struct StaticProvider: ModelProvider {
    static let answer = ByteBuffer(
        string: #"""
            {"id":"chatcmpl-static","object":"chat.completion","created":1767225600,"model":"echo","choices":[{"index":0,"message":{"role":"assistant","content":"I am sorry one of your books is missing. I have asked the warehouse to send it again; it should arrive within three days."},"finish_reason":"stop"}],"usage":{"prompt_tokens":96,"completion_tokens":28,"total_tokens":124}}
            """#)
    let name: String
    var kind: ProviderKind { .openai }

    func chatCompletion(_ request: UpstreamRequest) async throws -> ChatResult {
        precondition(request.encodedBody != nil, "the static provider is sent bytes, as a network provider is")
        let answer = Self.answer
        return .encodedCompletion(try answer.withUnsafeReadableBytes { try JSONValue.parse(bytes: $0) }, answer)
    }

    func embeddings(_ request: UpstreamRequest) async throws -> JSONValue { throw KeelError.internalError("no embeddings here") }
}
var providers = ProviderFactory.make(config.providers, http: UpstreamHTTPClient(pool: UpstreamConnectionPool()))
if upstream == "static" { providers["local"] = StaticProvider(name: "local") }
let gateway = Gateway(
    config: config, providers: providers, traces: writer, keys: store, prices: .builtIn(overrides: config.pricing),
    metrics: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()), logger: logger)
let definition = try PromptDefinition.parse(yaml: promptYAML, file: "bench-support.yaml")
let catalog = PromptCatalog(
    versions: [
        PromptVersion(
            name: "bench-support", version: 1, definition: definition, source: promptYAML, hash: definition.contentHash, author: "bench",
            commitMessage: nil, createdAt: Date())
    ],
    labels: ["bench-support": ["production": 1]])
gateway.install(prompts: catalog)

/// What a round cost each request, and how many it answered a second.
struct RoundFigures {
    var cpuMicroseconds: Double
    var allocations: Double
    var requestsPerSecond: Double
}

/// Answers `count` requests one after another and waits until their traces are written.
func round(_ count: Int, body: Data, key: APIKey?) async throws -> RoundFigures {
    let written = writer.counters.written
    let allocations = keel_allocation_count()
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    for _ in 0..<count {
        if evictedBytes > 0 { evictCaches() }
        var request = IncomingRequest(body: body, headers: headers)
        request.apiKey = key
        try await gateway.chatCompletion(request) { _ in }
    }
    while writer.counters.written < written + count { try await Task.sleep(for: .milliseconds(1)) }
    let wall = ContinuousClock.now - start
    let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    return RoundFigures(
        cpuMicroseconds: (cpuSeconds() - cpu) / Double(count) * 1e6, allocations: Double(keel_allocation_count() - allocations) / Double(count),
        requestsPerSecond: Double(count) / seconds)
}

/// As the server runs a request: in a task that prefers an event loop as its executor.
func onEventLoop(_ count: Int, body: Data, key: APIKey?) async throws -> RoundFigures {
    let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
    return try await Task(executorPreference: executor) {
        try await EventLoopTaskExecutor.$current.withValue(executor) { try await round(count, body: body, key: key) }
    }.value
}

/// A key whose budget and rate limits every request of the `limited` scenario is admitted under.
let limitedKey = APIKey(
    id: "key-bench", name: "bench", hash: "unused", prefix: "sk-keel-b", budget: Budget(usd: 1_000_000, period: .month), rpm: 1_000_000_000,
    tpm: 1_000_000_000)

struct Scenario {
    var name: String
    var body: Data
    var key: APIKey? = nil
    var cpuPerRequest: [Double] = []
    var allocationsPerRequest: [Double] = []
}
var scenarios = [
    Scenario(name: "plain", body: body), Scenario(name: "prompt", body: promptBody), Scenario(name: "limited", body: body, key: limitedKey),
]
.filter { scenario in only.map { $0.split(separator: ",").contains(Substring(scenario.name)) } ?? true }
for scenario in scenarios { _ = try await onEventLoop(min(count, 2_000), body: scenario.body, key: scenario.key) }  // warm-up
for index in 1...rounds {
    let order = index % 2 == 1 ? Array(scenarios.indices) : scenarios.indices.reversed()
    for which in order {
        let began = monotonicNanoseconds()
        let figures = try await onEventLoop(count, body: scenarios[which].body, key: scenarios[which].key)
        if printsSegments { print("segment \(scenarios[which].name) \(began) \(monotonicNanoseconds()) \(count)") }
        scenarios[which].cpuPerRequest.append(figures.cpuMicroseconds)
        scenarios[which].allocationsPerRequest.append(figures.allocations)
        print(
            String(
                format: "round %d %@: %.1f µs of CPU per request, %.1f allocations per request, %.0f requests/s", index,
                scenarios[which].name, figures.cpuMicroseconds, figures.allocations, figures.requestsPerSecond))
    }
}
for scenario in scenarios {
    let cpuMedian = scenario.cpuPerRequest.sorted()[rounds / 2]
    let allocationMedian = scenario.allocationsPerRequest.sorted()[rounds / 2]
    print(
        String(
            format: "median %@: %.1f µs of CPU and %.1f allocations per request (%d requests a round, %d rounds, %@ upstream)", scenario.name,
            cpuMedian, allocationMedian, count, rounds, upstream))
}
if let plain = scenarios.first(where: { $0.name == "plain" }) {
    for scenario in scenarios where scenario.name != "plain" {
        let ratios = zip(scenario.cpuPerRequest, plain.cpuPerRequest).map { $0 / $1 }.sorted()
        print(
            String(
                format: "%@ / plain CPU per request, median of the rounds' ratios: %+.1f%%", scenario.name, (ratios[rounds / 2] - 1) * 100))
    }
}

/// The by-reference work alone, per request: what it costs in allocations and CPU.
func weigh(_ name: String, _ count: Int, _ work: () throws -> Void) rethrows {
    let allocations = keel_allocation_count()
    let cpu = cpuSeconds()
    for _ in 0..<count { try work() }
    print(
        String(
            format: "alone, %@: %.2f µs of CPU, %.1f allocations per request", name, (cpuSeconds() - cpu) / Double(count) * 1e6,
            Double(keel_allocation_count() - allocations) / Double(count)))
}
if only != "plain", !arguments.contains("--skip-alone") {
    let parsed = try JSONValue.parse(promptBody)
    guard let field = parsed.objectValue?["prompt"] else { fatalError("the body has no prompt") }
    var written = 0
    // What the prompt stage does with the reference: read it, resolve it against the catalog
    // and write the version's rendered messages after the opening it sends upstream.
    try weigh("reference resolved and its messages written", count) {
        let resolved = try catalog.resolve(PromptReference.parse(field))
        var output: [UInt8] = []
        output.reserveCapacity(promptBody.count + 1024)
        output.append(contentsOf: resolved.opening)
        resolved.writeMessages(into: &output)
        written &+= output.count
    }
    weigh("body parsed (for scale)", count) { _ = try? JSONValue.parse(promptBody) }
    if written == 0 { print("nothing was written") }
}
writing.cancel()
