import Foundation
import KeelCore

/// A judgement of one trace, shaped as Langfuse's: a number (`numeric`), 0 or 1 (`boolean`) or
/// a string (`categorical`), made by Keel's own evaluations (`eval`), an application through the
/// API (`api`) or a person (`annotation`).
public struct Score: Sendable, Equatable {
    public enum DataType: String, Sendable, CaseIterable {
        case numeric, boolean, categorical
    }

    public enum Source: String, Sendable, CaseIterable {
        case eval, api, annotation
    }

    public var id: String
    public var traceID: String
    public var name: String
    /// The number of a numeric score, 0 or 1 for a boolean one; nil for a categorical one.
    public var value: Double?
    /// The value of a categorical score.
    public var stringValue: String?
    public var dataType: DataType
    public var source: Source
    public var comment: String?
    public var createdAt: Date
    /// The API key (and its team) that recorded it; nil for the admin key and Keel's evaluations.
    public var owner: ObjectOwner?

    public init(
        id: String = Score.newID(), traceID: String, name: String, value: Double?, stringValue: String? = nil, dataType: DataType,
        source: Source, comment: String? = nil, createdAt: Date = Date(), owner: ObjectOwner? = nil
    ) {
        self.id = id
        self.traceID = traceID
        self.name = name
        self.value = value
        self.stringValue = stringValue
        self.dataType = dataType
        self.source = source
        self.comment = comment
        self.createdAt = createdAt
        self.owner = owner
    }

    public static func newID() -> String { "score_" + IdentifierRandom.hex(bytes: 12) }

    public var json: JSONValue {
        [
            "id": .string(id), "object": "score", "trace_id": .string(traceID), "name": .string(name),
            "value": value.map(JSONValue.double) ?? .null, "string_value": stringValue.json, "data_type": .string(dataType.rawValue),
            "source": .string(source.rawValue), "comment": comment.json, "created_at": .string(Trace.format(createdAt)),
            "api_key_id": owner.map { JSONValue.string($0.keyID) } ?? .null, "team": (owner?.team).json,
        ]
    }
}

/// Which scores to list, newest first.
public struct ScoreQuery: Sendable, Equatable {
    public var traceID: String?
    public var name: String?
    public var source: Score.Source?
    public var since: Date?
    public var limit: Int = 100
    /// Only scores on the traces made with this API key id (nil: every trace).
    public var traceKeyID: String?

    public init() {}
}

/// The scores of one name over a group of traces: mean and count of the numeric and boolean
/// ones, count by value of the categorical ones.
public struct ScoreAggregate: Sendable, Equatable {
    public var count = 0
    public var sum = 0.0
    public var values: [String: Int] = [:]

    public init() {}

    public var mean: Double? { count == 0 ? nil : sum / Double(count) }

    public mutating func add(value: Double?, stringValue: String?) {
        if let value {
            count += 1
            sum += value
        } else if let stringValue {
            values[stringValue, default: 0] += 1
        }
    }

    public var json: JSONValue {
        var object: JSONObject = ["count": .int(Int64(count)), "mean": mean.map(JSONValue.double) ?? .null]
        if !values.isEmpty { object["values"] = .object(values.mapValues { .int(Int64($0)) }) }
        return .object(object)
    }
}

/// Where scores live. `insertScores` is also how Keel records its own evaluations.
public protocol ScoreStore: Sendable {
    func insertScores(_ scores: [Score]) async throws
    func scores(_ query: ScoreQuery) async throws -> [Score]
    /// The scores of one trace, oldest first.
    func scores(traceID: String) async throws -> [Score]
    /// Per stats group (the key as `StatsRow.key`), per score name, over the scores of the
    /// traces that started in the window.
    func scoreAggregates(_ query: StatsQuery) async throws -> [String?: [String: ScoreAggregate]]
    /// Traces waiting for a person's review, most urgent first: those with negative feedback
    /// (an `api` score below 0.5), then a low `eval` score, then any other scored trace; none
    /// that already has an `annotation` score.
    func reviewQueue(limit: Int) async throws -> [ReviewItem]
    /// How many traces wait for review.
    func reviewQueueCount() async throws -> Int
    /// Per trace and name, an `eval` score beside an `annotation` score of the same name.
    func judgedAndAnnotated(name: String?) async throws -> [(name: String, judge: Score, annotation: Score)]
}

/// A trace in the review queue and why it is there.
public struct ReviewItem: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case negativeFeedback = "negative_feedback"
        case lowScore = "low_score"
        case sampled
    }

    public var traceID: String
    public var reason: Reason

    public init(traceID: String, reason: Reason) {
        self.traceID = traceID
        self.reason = reason
    }
}

extension ScoreStore {
    public func insertScore(_ score: Score) async throws { try await insertScores([score]) }
}
