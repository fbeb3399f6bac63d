import Foundation
import KeelCore

/// keel.yaml's `evals:` block: the judge and embedding models, the online evals scored on live
/// traffic, and the suites `keel serve` runs on a schedule.
public struct EvalSettings: Sendable, Hashable {
    public var judgeModel: String?
    public var embeddingModel: String?
    public var online: [OnlineEvalRule] = []
    /// How many online evals run at once, how many may wait (more are dropped, counted), and the
    /// most their judge calls may cost per UTC day (then sampling pauses until midnight).
    public var onlineConcurrency = 2
    public var onlineQueue = 1000
    public var onlineDailyCostUSD = 5.0
    public var scheduled: [ScheduledSuite] = []

    public static let keys = [
        "judge", "embedding", "online", "online_concurrency", "online_queue", "online_daily_cost_usd", "scheduled",
    ]

    public init() {}

    /// Reads the block; `models` are the configured Keel models, which the judge, the embedding
    /// model and each online eval's `model` must be among. Errors name the key that is wrong.
    public init(_ block: JSONObject, models: Set<String>) throws(EvalSettingsError) {
        for key in block.keys where !Self.keys.contains(key) {
            throw EvalSettingsError(key: key, problem: "unknown key; expected one of: \(Self.keys.joined(separator: ", "))")
        }
        judgeModel = try Self.model(block["judge"], key: "judge", models: models)
        embeddingModel = try Self.model(block["embedding"], key: "embedding", models: models)
        onlineConcurrency = try Self.integer(block["online_concurrency"], key: "online_concurrency", atLeast: 1) ?? onlineConcurrency
        onlineQueue = try Self.integer(block["online_queue"], key: "online_queue", atLeast: 1) ?? onlineQueue
        if let cap = block["online_daily_cost_usd"], cap != .null {
            guard let value = cap.doubleValue, value >= 0 else {
                throw EvalSettingsError(key: "online_daily_cost_usd", problem: "must be a number of USD, 0 or more")
            }
            onlineDailyCostUSD = value
        }
        online = try Self.list(block["online"], key: "online").enumerated().map { (index, entry) throws(EvalSettingsError) in
            try OnlineEvalRule(entry, key: "online[\(index)]", models: models)
        }
        var names = Set<String>()
        for rule in online where !names.insert(rule.name).inserted {
            throw EvalSettingsError(key: "online", problem: "two online evals are named '\(rule.name)'; each name is a score's name")
        }
        scheduled = try Self.list(block["scheduled"], key: "scheduled").enumerated().map { (index, entry) throws(EvalSettingsError) in
            try ScheduledSuite(entry, key: "scheduled[\(index)]")
        }
    }

    /// `{model: NAME}` (or the bare name) naming a configured model.
    static func model(_ value: JSONValue?, key: String, models: Set<String>) throws(EvalSettingsError) -> String? {
        guard let value, value != .null else { return nil }
        let name: String
        if let text = value.stringValue {
            name = text
        } else if let object = value.objectValue, object.keys.allSatisfy({ $0 == "model" }), let text = object["model"]?.stringValue {
            name = text
        } else {
            throw EvalSettingsError(key: key, problem: "expected {model: NAME}")
        }
        guard models.contains(name) else {
            throw EvalSettingsError(key: key + ".model", problem: "\"\(name)\" is not a configured model")
        }
        return name
    }

    static func integer(_ value: JSONValue?, key: String, atLeast minimum: Int) throws(EvalSettingsError) -> Int? {
        guard let value, value != .null else { return nil }
        guard let number = value.intValue, number >= minimum else {
            throw EvalSettingsError(key: key, problem: "must be a whole number, \(minimum) or more")
        }
        return number
    }

    static func list(_ value: JSONValue?, key: String) throws(EvalSettingsError) -> [JSONObject] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else { throw EvalSettingsError(key: key, problem: "must be a list") }
        return try items.enumerated().map { (index, item) throws(EvalSettingsError) in
            guard let object = item.objectValue else { throw EvalSettingsError(key: "\(key)[\(index)]", problem: "must be a mapping") }
            return object
        }
    }
}

/// An online eval: a share of the live requests to a model or prompt, graded after their answer
/// was sent; each verdict becomes a score named `name` on the request's trace.
public struct OnlineEvalRule: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        case model(String)
        case prompt(String)
    }

    public var name: String
    public var subject: Subject
    /// The share of matching requests graded, 0...1.
    public var sample: Double
    public var assertions: [EvalAssertion]

    public static let keys = ["name", "model", "prompt", "sample", "assert"]

    public init(name: String, subject: Subject, sample: Double, assertions: [EvalAssertion]) {
        self.name = name
        self.subject = subject
        self.sample = sample
        self.assertions = assertions
    }

    init(_ entry: JSONObject, key: String, models: Set<String>) throws(EvalSettingsError) {
        for field in entry.keys where !Self.keys.contains(field) {
            throw EvalSettingsError(key: "\(key).\(field)", problem: "unknown key; expected one of: \(Self.keys.joined(separator: ", "))")
        }
        guard let name = entry["name"]?.stringValue, !name.isEmpty else {
            throw EvalSettingsError(key: "\(key).name", problem: "an online eval needs a name (its scores' name)")
        }
        self.name = name
        switch (entry["model"]?.stringValue, entry["prompt"]?.stringValue) {
        case (let model?, nil):
            guard models.contains(model) else { throw EvalSettingsError(key: "\(key).model", problem: "\"\(model)\" is not a configured model") }
            subject = .model(model)
        case (nil, let prompt?):
            subject = .prompt(prompt)
        default:
            throw EvalSettingsError(key: key, problem: "give 'model' or 'prompt' (one of them): the traffic this eval samples")
        }
        guard let sample = entry["sample"]?.doubleValue, (0...1).contains(sample) else {
            throw EvalSettingsError(key: "\(key).sample", problem: "must be the share of requests to grade, from 0 to 1")
        }
        self.sample = sample
        do {
            assertions = try EvalSuiteParser.assertions(json: entry["assert"] ?? .array([]), file: "keel.yaml")
        } catch {
            throw EvalSettingsError(key: "\(key).assert", problem: error.message)
        }
        guard !assertions.isEmpty else { throw EvalSettingsError(key: "\(key).assert", problem: "needs at least one assertion") }
    }
}

/// A suite `keel serve` runs every `every` against what is in production.
public struct ScheduledSuite: Sendable, Hashable {
    public var suite: String
    public var every: TimeInterval

    public static let keys = ["suite", "every"]
    public static let shortestInterval: TimeInterval = 60

    public init(suite: String, every: TimeInterval) {
        self.suite = suite
        self.every = every
    }

    init(_ entry: JSONObject, key: String) throws(EvalSettingsError) {
        for field in entry.keys where !Self.keys.contains(field) {
            throw EvalSettingsError(key: "\(key).\(field)", problem: "unknown key; expected one of: \(Self.keys.joined(separator: ", "))")
        }
        guard let suite = entry["suite"]?.stringValue, !suite.isEmpty else {
            throw EvalSettingsError(key: "\(key).suite", problem: "needs the path of a suite file")
        }
        guard let text = entry["every"]?.stringValue, let every = TimeText.duration(text), every >= Self.shortestInterval else {
            throw EvalSettingsError(key: "\(key).every", problem: "must be a duration of at least 1m, such as 30m, 6h or 24h")
        }
        self.suite = suite
        self.every = every
    }
}

/// A problem in the `evals:` block: the key under `evals` and what is wrong.
public struct EvalSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public var description: String { "evals.\(key): \(problem)" }
}
