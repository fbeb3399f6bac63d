import Foundation
import KeelCore
import Synchronization

/// Requests and tokens per minute, as token buckets: a bucket holds a minute's worth and
/// refills continuously. Tokens are taken from the request's estimate (input plus its output
/// allowance) when it is admitted, and settled with the usage the provider reports: a bucket
/// may go below zero when a request used more than its estimate, which the next requests wait out.
final class RateLimiter: Sendable {
    struct Limit: Sendable {
        /// What is limited, for the error: `key 'team-a'`, `model 'smart'`.
        var owner: String
        var unit: Unit
        var perMinute: Int
    }

    enum Unit: String, Sendable {
        case requests, tokens
    }

    /// What an admitted request took from each bucket, to settle later.
    struct Debit: Sendable {
        var bucket: String
        var perMinute: Int
        var amount: Double
    }

    private struct Bucket {
        var level: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Takes `tokens` (and one request) from every limit's bucket, or none and throws a 429
    /// with the time until the fullest-blocked bucket has room.
    func admit(_ limits: [Limit], tokens: Int) throws(KeelError) -> [Debit] {
        let now = ContinuousClock.now
        return try buckets.withLock { (buckets) throws(KeelError) -> [Debit] in
            var debits: [Debit] = []
            for limit in limits {
                let key = "\(limit.owner)|\(limit.unit.rawValue)"
                let amount = limit.unit == .requests ? 1 : Double(tokens)
                var bucket = Self.refilled(buckets[key], perMinute: limit.perMinute, now: now)
                // A request larger than a whole minute's allowance may pass alone on a full bucket.
                let needed = min(amount, Double(limit.perMinute))
                guard bucket.level >= needed else {
                    let seconds = (needed - bucket.level) / (Double(limit.perMinute) / 60)
                    throw KeelError(
                        status: 429, type: "rate_limit_error",
                        message:
                            "Rate limit reached for \(limit.owner): \(limit.perMinute) \(limit.unit.rawValue) per minute. Retry in \(Int(seconds.rounded(.up))) s.",
                        code: limit.unit == .requests ? "rpm_exceeded" : "tpm_exceeded", retryAfter: max(1, seconds.rounded(.up)))
                }
                bucket.level -= amount
                buckets[key] = bucket
                debits.append(Debit(bucket: key, perMinute: limit.perMinute, amount: amount))
            }
            return debits
        }
    }

    /// Gives back (or takes more of) the tokens of `debits`, now that `used` are known.
    func settle(_ debits: [Debit], used: Int?) {
        guard let used else { return }
        let now = ContinuousClock.now
        buckets.withLock { buckets in
            for debit in debits where debit.bucket.hasSuffix("|tokens") {
                var bucket = Self.refilled(buckets[debit.bucket], perMinute: debit.perMinute, now: now)
                bucket.level = min(Double(debit.perMinute), bucket.level + debit.amount - Double(used))
                buckets[debit.bucket] = bucket
            }
        }
    }

    private static func refilled(_ bucket: Bucket?, perMinute: Int, now: ContinuousClock.Instant) -> Bucket {
        guard var bucket else { return Bucket(level: Double(perMinute), updated: now) }
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.level = min(Double(perMinute), bucket.level + seconds * Double(perMinute) / 60)
        bucket.updated = now
        return bucket
    }
}
