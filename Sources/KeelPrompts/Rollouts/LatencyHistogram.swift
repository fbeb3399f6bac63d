import Foundation
import KeelCore

/// Latencies in logarithmic buckets 5% wide, from 1 ms up to about 30 hours: fixed memory
/// however many requests an arm serves, quantiles within ±2.5%, and two histograms add up
/// (gateway processes can merge theirs), which a window of the last N samples cannot.
public struct LatencyHistogram: Sendable, Hashable {
    static let growth = 1.05
    static let bucketCount = 400
    private static let logGrowth = log(growth)

    /// Counts by bucket index. An array, not a dictionary: `add` runs for every request and
    /// `quantile` after every candidate request, and a scan of 400 counts beats hashing and sorting.
    private var counts = [Int](repeating: 0, count: bucketCount)
    public private(set) var total = 0

    public init() {}

    public mutating func add(_ milliseconds: Double) {
        counts[Self.bucket(of: milliseconds)] += 1
        total += 1
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        total += other.total
    }

    /// The latency below which a fraction `q` of the samples fall (the bucket's geometric
    /// middle); nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = min(total, max(1, Int((q * Double(total)).rounded(.up))))
        var seen = 0
        for index in counts.indices {
            seen += counts[index]
            if seen >= rank { return Self.middle(of: index) }
        }
        return nil
    }

    static func bucket(of milliseconds: Double) -> Int {
        guard milliseconds > 1 else { return 0 }
        return min(bucketCount - 1, Int(log(milliseconds) / logGrowth) + 1)
    }

    /// Bucket 0 holds everything up to 1 ms; bucket i > 0 holds (growth^(i-1), growth^i].
    static func middle(of bucket: Int) -> Double {
        bucket == 0 ? 0.5 : pow(growth, Double(bucket) - 0.5)
    }

    /// Sparse: `[[bucket, count], ...]` for the buckets that have any.
    public var json: JSONValue {
        .array(counts.indices.filter { counts[$0] > 0 }.map { [.int(Int64($0)), .int(Int64(counts[$0]))] })
    }

    public init(json: JSONValue?) {
        for pair in json?.arrayValue ?? [] {
            guard let index = pair[0]?.intValue, let count = pair[1]?.intValue, (0..<Self.bucketCount).contains(index), count > 0 else {
                continue
            }
            counts[index] += count
            total += count
        }
    }
}

/// Count, sum and sum of squares of a measure: its mean and the standard error of that mean.
public struct MeanFigures: Sendable, Hashable {
    public private(set) var count = 0
    public private(set) var sum = 0.0
    public private(set) var sumOfSquares = 0.0

    public init() {}

    public init(count: Int, sum: Double, sumOfSquares: Double) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        sumOfSquares += value * value
    }

    public mutating func merge(_ other: MeanFigures) {
        count += other.count
        sum += other.sum
        sumOfSquares += other.sumOfSquares
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    public var standardError: Double? {
        guard count > 1, let mean else { return nil }
        let variance = max(0, (sumOfSquares - Double(count) * mean * mean) / Double(count - 1))
        return (variance / Double(count)).squareRoot()
    }

    public var json: JSONValue {
        ["count": .int(Int64(count)), "sum": .double(sum), "sum_of_squares": .double(sumOfSquares)]
    }

    public init(json: JSONValue?) {
        count = json?["count"]?.intValue ?? 0
        sum = json?["sum"]?.doubleValue ?? 0
        sumOfSquares = json?["sum_of_squares"]?.doubleValue ?? 0
    }
}
