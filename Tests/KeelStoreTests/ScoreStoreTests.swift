import Foundation
import KeelCore
import KeelStore
import Testing

@Suite struct ScoreStoreTests {
    static let t0 = 1_800_000_000.0

    func score(_ trace: String, _ name: String, _ value: Double?, string: String? = nil, source: Score.Source = .api, at offset: Double = 0)
        -> Score
    {
        Score(
            traceID: trace, name: name, value: value, stringValue: string, dataType: string == nil ? .numeric : .categorical, source: source,
            createdAt: Date(timeIntervalSince1970: Self.t0 + offset))
    }

    @Test(arguments: StoreBackend.allCases) func storesListsAndFiltersScores(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var mine = sampleTrace("a", at: Self.t0)
        mine.apiKeyID = "key_a"
        var theirs = sampleTrace("b", at: Self.t0)
        theirs.apiKeyID = "key_b"
        try await store.insert([mine, theirs])
        var first = score("a", "helpful", 1, at: 1)
        first.comment = "thumbs up"
        first.owner = ObjectOwner(keyID: "key_a", team: "t")
        try await store.insertScore(first)
        try await store.insertScores([
            score("a", "quality", 0.5, source: .eval, at: 2), score("b", "helpful", 0, at: 3), score("b", "tone", nil, string: "good", at: 4),
        ])

        let all = try await store.scores(ScoreQuery())
        #expect(all.map(\.createdAt.timeIntervalSince1970) == [4, 3, 2, 1].map { Self.t0 + $0 })
        #expect(all.last == first)
        var query = ScoreQuery()
        query.traceID = "a"
        #expect(try await store.scores(query).map(\.name) == ["quality", "helpful"])
        query = ScoreQuery()
        query.name = "helpful"
        #expect(try await store.scores(query).map(\.traceID) == ["b", "a"])
        query = ScoreQuery()
        query.source = .eval
        #expect(try await store.scores(query).map(\.name) == ["quality"])
        query = ScoreQuery()
        query.since = Date(timeIntervalSince1970: Self.t0 + 3)
        #expect(try await store.scores(query).count == 2)
        query = ScoreQuery()
        query.limit = 1
        #expect(try await store.scores(query).map(\.name) == ["tone"])
        query = ScoreQuery()
        query.traceKeyID = "key_b"
        #expect(Set(try await store.scores(query).map(\.traceID)) == ["b"])
        #expect(try await store.scores(traceID: "b").map(\.name) == ["helpful", "tone"])
        #expect(try await store.scores(traceID: "b").last?.stringValue == "good")
        #expect(try await store.scores(traceID: "nope").isEmpty)
    }

    @Test(arguments: StoreBackend.allCases) func statsCarryScoresPerGroup(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let now = Date().timeIntervalSince1970
        var one = sampleTrace("one", at: now - 10, model: "smart", user: "ann")
        one.prompt = Trace.PromptUse(name: "reply", version: 1)
        var two = sampleTrace("two", at: now - 5, model: "smart", user: "bob")
        two.prompt = Trace.PromptUse(name: "reply", version: 2)
        let three = sampleTrace("three", at: now - 5, model: "fast", user: "ann")
        let old = sampleTrace("old", at: now - 7200, model: "smart", user: "ann")
        try await store.insert([one, two, three, old])
        try await store.insertScores([
            score("one", "helpful", 1), score("two", "helpful", 0), score("three", "helpful", 1), score("old", "helpful", 0),
            score("one", "tone", nil, string: "good"), score("three", "tone", nil, string: "good"), score("two", "tone", nil, string: "bad"),
        ])
        let since = Date(timeIntervalSince1970: now - 3600)

        let none = try await store.stats(StatsQuery(since: since, groupBy: .none))
        #expect(none.count == 1)
        let helpful = try #require(none.first?.scores["helpful"])
        #expect(helpful.count == 3 && abs((helpful.mean ?? 0) - 2.0 / 3.0) < 1e-12)
        #expect(none.first?.scores["tone"]?.values == ["good": 2, "bad": 1])
        #expect(none.first?.scores["tone"]?.mean == nil)

        func row(_ grouping: StatsQuery.Grouping, _ key: String?) async throws -> StatsRow {
            try #require(try await store.stats(StatsQuery(since: since, groupBy: grouping)).first { $0.key == key })
        }
        #expect(try await row(.model, "smart").scores["helpful"] == aggregate(count: 2, sum: 1))
        #expect(try await row(.model, "fast").scores["helpful"] == aggregate(count: 1, sum: 1))
        #expect(try await row(.provider, "openai").scores["helpful"]?.count == 3)
        #expect(try await row(.user, "ann").scores["helpful"] == aggregate(count: 2, sum: 2))
        #expect(try await row(.user, "bob").scores["tone"]?.values == ["bad": 1])
        #expect(try await row(.prompt, "reply@2").scores["helpful"] == aggregate(count: 1, sum: 0))
        #expect(try await row(.prompt, nil).scores["helpful"] == aggregate(count: 1, sum: 1))
        let json = try await row(.model, "smart").json
        #expect(json["scores"]?["helpful"]?["mean"]?.doubleValue == 0.5)
        #expect(json["scores"]?["helpful"]?["count"]?.intValue == 2)
        #expect(json["scores"]?["tone"]?["values"]?["bad"]?.intValue == 1)
    }

    @Test(arguments: StoreBackend.allCases) func retentionTakesATracesScoresWithIt(backend: StoreBackend) async throws {
        let store = try await backend.open()
        try await store.insert([sampleTrace("gone", at: Self.t0), sampleTrace("kept", at: Self.t0 + 100)])
        try await store.insertScores([score("gone", "helpful", 1), score("kept", "helpful", 1)])
        #expect(try await store.applyRetention(olderThan: Date(timeIntervalSince1970: Self.t0 + 50), maxCount: nil) == 1)
        #expect(try await store.scores(traceID: "gone").isEmpty)
        #expect(try await store.scores(traceID: "kept").count == 1)
    }

    func aggregate(count: Int, sum: Double) -> ScoreAggregate {
        var aggregate = ScoreAggregate()
        aggregate.count = count
        aggregate.sum = sum
        return aggregate
    }
}
