import Foundation
import KeelCore
import KeelStore
import Synchronization

/// Requests and tokens per minute, as token buckets: a bucket holds a minute's worth and
/// refills continuously. Tokens are taken from the request's estimate (input plus its output
/// allowance) when it is admitted, and settled with the usage the provider reports: a bucket
/// may go below zero when a request used more than its estimate, which the next requests wait
/// out. The buckets live in this process (`RateLimiter`) or in the fleet's database (`FleetRateLimiter`).
protocol RateLimiting: Sendable {
    /// Takes `tokens` (and one request) from every limit's bucket, or none and throws a 429
    /// with the time until the blocking bucket has room.
    func admit(_ limits: [RateLimit], tokens: Int) async throws(KeelError) -> RateDebits

    /// Gives back (or takes more of) the tokens of `debits`, now that `used` are known.
    func settle(_ debits: RateDebits, used: Int?) async
}

struct RateLimit: Sendable {
    enum Unit: String, Sendable {
        case requests, tokens
    }

    /// What is limited, for the error: `key 'team-a'`, `model 'smart'`.
    var owner: String
    var unit: Unit
    var perMinute: Int

    func draw(tokens: Int) -> RateDraw {
        RateDraw(bucket: "\(owner)|\(unit.rawValue)", perMinute: perMinute, amount: unit == .requests ? 1 : Double(tokens))
    }

    func exceeded(retryIn seconds: Double) -> KeelError {
        KeelError(
            status: 429, type: "rate_limit_error",
            message: "Rate limit reached for \(owner): \(perMinute) \(unit.rawValue) per minute. Retry in \(Int(seconds.rounded(.up))) s.",
            code: unit == .requests ? "rpm_exceeded" : "tpm_exceeded", retryAfter: max(1, seconds.rounded(.up)))
    }
}

/// What an admitted request took from each bucket, to settle later; `shared` when the buckets
/// were the fleet's.
struct RateDebits: Sendable {
    var draws: [RateDraw] = []
    var shared = false

    /// What to put back of each token draw once `used` tokens are known.
    func unused(_ used: Int) -> [RateDraw] {
        draws.filter(\.isTokens).map { RateDraw(bucket: $0.bucket, perMinute: $0.perMinute, amount: $0.amount - Double(used)) }
    }
}

extension RateDraw {
    var isTokens: Bool { bucket.hasSuffix("|tokens") }
}

/// The buckets of one process.
final class RateLimiter: RateLimiting {
    private struct Bucket {
        var level: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    func admit(_ limits: [RateLimit], tokens: Int) throws(KeelError) -> RateDebits {
        let now = ContinuousClock.now
        return try buckets.withLock { (buckets) throws(KeelError) -> RateDebits in
            let draws = limits.map { $0.draw(tokens: tokens) }
            var refilled: [Bucket] = []
            for (limit, draw) in zip(limits, draws) {
                let bucket = Self.refilled(buckets[draw.bucket], perMinute: limit.perMinute, now: now)
                // A request larger than a whole minute's allowance may pass alone on a full bucket.
                let needed = min(draw.amount, Double(limit.perMinute))
                guard bucket.level >= needed else {
                    throw limit.exceeded(retryIn: (needed - bucket.level) / (Double(limit.perMinute) / 60))
                }
                refilled.append(bucket)
            }
            for (var bucket, draw) in zip(refilled, draws) {
                bucket.level -= draw.amount
                buckets[draw.bucket] = bucket
            }
            return RateDebits(draws: draws)
        }
    }

    func settle(_ debits: RateDebits, used: Int?) {
        guard let used else { return }
        let now = ContinuousClock.now
        buckets.withLock { buckets in
            for draw in debits.draws where draw.isTokens {
                var bucket = Self.refilled(buckets[draw.bucket], perMinute: draw.perMinute, now: now)
                bucket.level = min(Double(draw.perMinute), bucket.level + draw.amount - Double(used))
                buckets[draw.bucket] = bucket
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
