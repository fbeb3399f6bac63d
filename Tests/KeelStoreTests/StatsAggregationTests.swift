import KeelTestSupport
import Testing

@testable import KeelStore

/// The SQLite store's stats are aggregated in Swift: percentiles by selection must say what
/// the sorted latencies say, and groups found by comparing keys must be the groups by key.
@Suite struct StatsAggregationTests {
    @Test func selectionFindsTheSortedValuesPercentiles() {
        var generator = SeededRandom(seed: 2026)
        let fractions = [0.5, 0.95, 0.99, 0.0, 1.0, 0.25, 0.999]
        for round in 0..<2_000 {
            let count = round < 1_000 ? Int.random(in: 1...40, using: &generator) : Int.random(in: 1...5_000, using: &generator)
            // Few distinct values in some rounds: duplicates are where a partition goes wrong.
            let distinct = Int.random(in: 1...(round % 3 == 0 ? 4 : 100_000), using: &generator)
            var values = (0..<count).map { _ in Double(Int.random(in: 0..<distinct, using: &generator)) / 7 }
            if round % 5 == 0 { values.sort() }
            if round % 7 == 0 { values.sort(by: >) }
            let sorted = values.sorted()
            let expected = fractions.map { Percentile.of(sorted, $0) }
            var selected = values
            #expect(Percentile.select(&selected, fractions) == expected, "round \(round): \(count) values")
            #expect(selected.sorted() == sorted, "round \(round): the values are only reordered")
            // The same when a range is sorted after its first partitions, as one that takes too many is.
            var sortedAfter = values
            #expect(Percentile.select(&sortedAfter, fractions, rounds: round % 4) == expected, "round \(round), sorted after \(round % 4)")
        }
    }

    @Test func noValuesHaveNoPercentiles() {
        var values: [Double] = []
        #expect(Percentile.select(&values, [0.5, 0.95]) == [nil, nil])
    }

    @Test func groupsPastTheComparedFewAreTheGroupsByKey() {
        var groups = StatsGroups()
        var expected: [String?: (requests: Int, errors: Int)] = [:]
        var generator = SeededRandom(seed: 7)
        let keys: [String?] = [nil, ""] + (0..<(StatsGroups.compared * 3)).map { "model-\($0)" }
        for _ in 0..<5_000 {
            let key = keys[Int.random(in: 0..<keys.count, using: &generator)]
            let ok = Bool.random(using: &generator)
            // As the scan gives them: a key's UTF-8 bytes, nil for NULL.
            if let key {
                Array(key.utf8).withUnsafeBytes {
                    groups.add(toKey: $0, latency: 10, ok: ok, prompt: 1, completion: 1, cost: 0.1, cancelled: false)
                }
            } else {
                groups.add(toKey: nil, latency: 10, ok: ok, prompt: 1, completion: 1, cost: 0.1, cancelled: false)
            }
            expected[key, default: (0, 0)].requests += 1
            if !ok { expected[key, default: (0, 0)].errors += 1 }
        }
        let rows = groups.rows()
        #expect(rows.count == expected.count)
        #expect(Set(rows.map(\.key)).count == rows.count, "one row per key")
        for row in rows {
            #expect(row.requests == expected[row.key]?.requests)
            #expect(row.errors == expected[row.key]?.errors)
        }
    }
}
