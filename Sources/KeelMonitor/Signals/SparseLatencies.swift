import Foundation

/// Latencies in logarithmic buckets 5% wide (1 ms up to about 30 hours), kept sparse: a second
/// of traffic holds a few dozen buckets, not four hundred. Quantiles within ±2.5%; two add up.
public struct SparseLatencies: Sendable, Equatable {
    static let growth = 1.05
    private static let logGrowth = log(growth)
    static let lastBucket = 400

    private var counts: [Int: Int] = [:]
    public private(set) var total = 0

    public init() {}

    public mutating func add(_ milliseconds: Double) {
        counts[Self.bucket(of: milliseconds), default: 0] += 1
        total += 1
    }

    public mutating func merge(_ other: SparseLatencies) {
        for (bucket, count) in other.counts { counts[bucket, default: 0] += count }
        total += other.total
    }

    /// The latency below which a fraction `q` of the samples fall; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = min(total, max(1, Int((q * Double(total)).rounded(.up))))
        var seen = 0
        for bucket in counts.keys.sorted() {
            seen += counts[bucket]!
            if seen >= rank { return Self.middle(of: bucket) }
        }
        return nil
    }

    /// How many samples are above `milliseconds` (bucket-exact: within 5%).
    public func count(above milliseconds: Double) -> Int {
        let limit = Self.bucket(of: milliseconds)
        return counts.reduce(0) { $0 + ($1.key > limit ? $1.value : 0) }
    }

    static func bucket(of milliseconds: Double) -> Int {
        guard milliseconds > 1 else { return 0 }
        return min(lastBucket, Int(log(milliseconds) / logGrowth) + 1)
    }

    static func middle(of bucket: Int) -> Double {
        bucket == 0 ? 0.5 : pow(growth, Double(bucket) - 0.5)
    }
}
