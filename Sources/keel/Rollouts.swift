import ArgumentParser
import Foundation
import KeelCore
import KeelPrompts
import KeelServer
import KeelStore

/// `keel rollouts`: progressive delivery of a prompt version behind a label, in the store (a
/// running gateway serves a change within seconds and runs the analysis between steps).
struct Rollouts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Canary a prompt version behind a label, watch both arms, promote or abort.",
        subcommands: [Start.self, Status.self, Pairs.self, Promote.self, Abort.self, List.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a share of a label's traffic to a candidate version, advancing through the steps while the analysis passes.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt (or --model).") var name: String?
        @Option(help: "The candidate version of the prompt.") var candidate: Int?
        @Option(help: "The label whose traffic is split.") var label = PromptReference.defaultLabel
        @Option(help: "Canary an upstream model behind this Keel model instead of a prompt version.") var model: String?
        @Option(help: "With --model: the candidate upstream, PROVIDER/UPSTREAM_MODEL.") var candidateTarget: String?
        @Option(help: "The candidate's first share, in percent (default: the first step).") var weight: Double?
        @Option(help: "The shares in percent, e.g. 5,25,50,100 (reaching 100 promotes).") var steps: String?
        @Option(help: "Candidate requests per step before the next (default 200).") var stepRequests: Int?
        @Option(help: "Minutes per step, instead of --step-requests.") var stepMinutes: Double?
        @Flag(help: "Run the candidate on a copy of every live request after its answer, never returned; promote or abort by hand.")
        var shadow = false
        @Option(help: "Keep each user (body 'user' or x-keel-user) or session (x-keel-session) on one arm: user|session.") var sticky: String?
        @Option(help: "Abort when the candidate's error rate exceeds the stable one's by more than this (0.02).") var maxErrorRateIncrease: Double?
        @Option(help: "Abort when the candidate's p95 latency exceeds the stable one's by this ratio (1.5)...") var maxLatencyRatio: Double?
        @Option(help: "... and by this many milliseconds (250).") var maxLatencyIncreaseMs: Double?
        @Option(help: "Abort when the candidate's cost per request exceeds the stable one's by this ratio (1.5).") var maxCostRatio: Double?
        @Option(help: "Candidate requests before any verdict (10).") var minSamples: Int?
        @Flag(help: "Start on a protected label without a passing eval run of the candidate (recorded as an event).") var force = false

        func run() async throws {
            let config = try options.load().0
            let store = try await options.openStore()
            var flags = RolloutFlags()
            flags.weight = weight
            flags.steps = steps
            flags.stepRequests = stepRequests
            flags.stepMinutes = stepMinutes
            flags.sticky = sticky
            flags.shadow = shadow
            flags.maxErrorRateIncrease = maxErrorRateIncrease
            flags.maxLatencyRatio = maxLatencyRatio
            flags.maxLatencyIncreaseMs = maxLatencyIncreaseMs
            flags.maxCostRatio = maxCostRatio
            flags.minSamples = minSamples
            let (record, rollout) = try await RolloutLookup.refusals {
                try await RolloutControl(store: store, config: config).start(
                    try target(), flags: flags, actor: .init(author: GitInfo.currentUser(), via: "cli", force: force))
            }
            let share = shadow ? "in shadow mode" : "at \(rollout.weight.formatted())%"
            switch rollout.spec.subject {
            case .prompt(let name, let label, let stable, let candidate):
                print("rollout \(record.id) started: \(name) \(label) v\(stable) -> v\(candidate) \(share)")
            case .model(let name, let target):
                print("rollout \(record.id) started: model \(name) -> \(target) \(share)")
            }
        }

        /// What the rollout changes: a prompt label's version, or a model's upstream.
        private func target() throws -> RolloutControl.Target {
            if let model {
                guard name == nil, candidate == nil else { throw ValidationError("give a prompt and --candidate, or --model and --candidate-target") }
                guard let candidateTarget else { throw ValidationError("--candidate-target: expected PROVIDER/UPSTREAM_MODEL") }
                return .model(name: model, candidateTarget: candidateTarget)
            }
            guard let name, let candidate else { throw ValidationError("give a prompt and --candidate, or --model and --candidate-target") }
            return .prompt(name: name, label: label, candidate: candidate)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Both arms side by side, with the sample behind each figure and each guard's verdict.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt (or --model).") var name: String?
        @Option(help: "The label the rollout splits.") var label = PromptReference.defaultLabel
        @Option(help: "The Keel model whose upstream the rollout changes, instead of a prompt.") var model: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await options.openStore()
            let record = try await RolloutLookup.latest(try RolloutLookup.subject(name: name, label: label, model: model), in: store)
            let rollout = try RolloutActions.rollout(record)
            var status = rollout.status.objectValue ?? [:]
            status["id"] = .string(record.id)
            status["status"] = .string(record.status.rawValue)
            if json {
                print(JSONValue.object(status).encodedString())
                return
            }
            print(RolloutLookup.table(rollout, record: record))
        }
    }

    struct Pairs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A shadow rollout's latest pairs: each live answer beside the candidate's answer to its copy.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt (or --model).") var name: String?
        @Option(help: "The label the rollout splits.") var label = PromptReference.defaultLabel
        @Option(help: "The Keel model whose upstream the rollout changes, instead of a prompt.") var model: String?
        @Option(help: "At most this many pairs, newest first.") var limit = 10
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (config, _) = try options.load()
            let store = try await options.openStore()
            let record = try await RolloutLookup.latest(try RolloutLookup.subject(name: name, label: label, model: model), in: store)
            let pairs = try await RolloutControl(store: store, config: config).pairs(id: record.id, limit: max(1, min(limit, 1000)))
            if json {
                print(pairs.encodedString())
                return
            }
            let rows = pairs["data"]?.arrayValue ?? []
            if rows.isEmpty { print("rollout \(record.id): no shadow pairs yet") }
            for row in rows {
                let similarity = row["similarity"]?.doubleValue.map { $0.formatted(.number.precision(.fractionLength(3))) } ?? "-"
                print("\(row["created_at"]?.stringValue ?? "")  similarity \(similarity)")
                for arm in ["stable", "candidate"] {
                    let side = row[arm] ?? .null
                    let latency = side["latency_ms"]?.doubleValue.map { "\(Int($0.rounded())) ms" } ?? "-"
                    let text = side["output"]?.stringValue ?? side["error"]?.stringValue ?? side["status"]?.stringValue ?? ""
                    print(
                        "  \(arm.padding(toLength: 9, withPad: " ", startingAt: 0)) \(latency.padding(toLength: 8, withPad: " ", startingAt: 0)) \(text)"
                    )
                }
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the label to the candidate now and end the rollout.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt (or --model).") var name: String?
        @Option(help: "The label the rollout splits.") var label = PromptReference.defaultLabel
        @Option(help: "The Keel model whose upstream the rollout changes, instead of a prompt.") var model: String?
        @Flag(help: "Promote onto a protected label without a passing eval run of the candidate (recorded as an event).") var force = false

        func run() async throws {
            let (config, _) = try options.load()
            let store = try await options.openStore()
            let record = try await RolloutLookup.active(try RolloutLookup.subject(name: name, label: label, model: model), in: store)
            let rollout = try await RolloutLookup.refusals {
                try await RolloutControl(store: store, config: config).promote(
                    id: record.id, actor: .init(author: GitInfo.currentUser(), via: "cli", force: force))
            }
            print("rollout \(rollout.spec.id) promoted: \(RolloutLookup.describe(rollout.spec))")
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send every request to the stable version again and end the rollout.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The prompt (or --model).") var name: String?
        @Option(help: "The label the rollout splits.") var label = PromptReference.defaultLabel
        @Option(help: "The Keel model whose upstream the rollout changes, instead of a prompt.") var model: String?
        @Option(help: "Why, for the rollout_aborted event.") var reason = "aborted by hand"

        func run() async throws {
            let (config, _) = try options.load()
            let store = try await options.openStore()
            let record = try await RolloutLookup.active(try RolloutLookup.subject(name: name, label: label, model: model), in: store)
            let rollout = try await RolloutLookup.refusals {
                try await RolloutControl(store: store, config: config).abort(id: record.id, reason: reason)
            }
            print("rollout \(rollout.spec.id) aborted: \(rollout.spec.subject.key) stays on its stable arm")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every rollout, newest first.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let store = try await options.openStore()
            for record in try await store.rollouts(status: nil).sorted(by: { $0.createdAt > $1.createdAt }) {
                print("\(record.id)  \(record.subject)  \(record.status.rawValue)  \(Trace.format(record.createdAt))")
            }
        }
    }
}

/// Finding a prompt label's rollout in the store, and showing it.
enum RolloutLookup {
    /// `prompt:NAME:LABEL`, or `model:NAME` with --model.
    static func subject(name: String?, label: String, model: String?) throws -> String {
        switch (name, model) {
        case (let name?, nil): return "prompt:\(name):\(label)"
        case (nil, let model?): return "model:\(model)"
        default: throw ValidationError("give a prompt or --model")
        }
    }

    /// A refusal of `RolloutControl` as the command's error, with its message.
    static func refusals<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KeelError {
            throw ValidationError(error.message)
        }
    }

    static func latest(_ subject: String, in store: any RolloutStore) async throws -> RolloutRecord {
        guard let record = try await store.rollouts(status: nil).filter({ $0.subject == subject }).max(by: { $0.createdAt < $1.createdAt }) else {
            throw ValidationError("no rollout of \(subject)")
        }
        return record
    }

    static func active(_ subject: String, in store: any RolloutStore) async throws -> RolloutRecord {
        guard let record = try await store.activeRollout(subject: subject) else { throw ValidationError("no active rollout of \(subject)") }
        return record
    }

    static func describe(_ spec: RolloutSpec) -> String {
        switch spec.subject {
        case .prompt(let name, let label, _, let candidate): return "\(name) \(label) -> v\(candidate)"
        case .model(let name, let target): return "model \(name) -> \(target)"
        }
    }

    private static func row(_ cells: [String]) -> String {
        zip(cells, [10, 10, 11, 16, 10, 20, 14]).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
    }

    static func table(_ rollout: Rollout, record: RolloutRecord) -> String {
        let status = rollout.status
        var lines = ["rollout \(record.id)  \(record.subject)  \(record.status.rawValue)  weight \(rollout.weight.formatted())%"]
        if let reason = rollout.state.abortReason { lines.append("aborted: \(reason)") }
        if let similarity = status["similarity"], let mean = similarity["mean"]?.doubleValue {
            lines.append(
                "shadow similarity: \(mean.formatted(.number.precision(.fractionLength(3)))) over \(similarity["samples"]?.intValue ?? 0) pairs")
        }
        lines.append(Self.row(["arm", "requests", "error rate", "p50 ms", "p95 ms", "cost/req USD", "tokens in/out"]))
        for arm in ["stable", "candidate"] {
            let figures = status[arm] ?? .null
            func number(_ value: JSONValue?) -> String {
                guard let number = value?.doubleValue else { return "-" }
                return number.formatted(.number.precision(.significantDigits(1...4)))
            }
            let latencySamples = figures["latency_ms"]?["samples"]?.intValue ?? 0
            let costSamples = figures["cost_per_request_usd"]?["samples"]?.intValue ?? 0
            lines.append(
                Self.row([
                    arm, number(figures["requests"]), number(figures["error_rate"]),
                    "\(number(figures["latency_ms"]?["p50"])) (n=\(latencySamples))", number(figures["latency_ms"]?["p95"]),
                    "\(number(figures["cost_per_request_usd"]?["mean"])) (n=\(costSamples))",
                    "\(number(figures["tokens"]?["prompt"]))/\(number(figures["tokens"]?["completion"]))",
                ]))
        }
        return lines.joined(separator: "\n")
    }
}
