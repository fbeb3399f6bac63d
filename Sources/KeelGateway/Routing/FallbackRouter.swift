import Foundation
import KeelCore
import KeelProviders
import Logging

/// Tries a model's targets in order: each with retries (backoff with jitter, `Retry-After`,
/// bounded by the retry budget) while its circuit breaker allows, then the next one.
final class FallbackRouter: Sendable {
    struct Failure: Error {
        var error: KeelError
        var route: RouteInfo
    }

    let providers: [String: any ModelProvider]
    let breakers: CircuitBreakers
    let retryBudget: RetryBudget
    let backoff: Backoff
    let maxRetryAfterMs: Int
    let errors: ClientErrorMapper
    let logger: Logger

    init(
        providers: [String: any ModelProvider], breakers: CircuitBreakers, retryBudget: RetryBudget, backoff: Backoff, maxRetryAfterMs: Int,
        errors: ClientErrorMapper, logger: Logger
    ) {
        self.providers = providers
        self.breakers = breakers
        self.retryBudget = retryBudget
        self.backoff = backoff
        self.maxRetryAfterMs = maxRetryAfterMs
        self.errors = errors
        self.logger = logger
    }

    func route<Output: Sendable>(
        _ model: ModelConfig,
        attempt: @Sendable (any ModelProvider, TargetConfig) async throws -> Output
    ) async throws(Failure) -> (Output, RouteInfo) {
        var route = RouteInfo()
        var lastError: UpstreamError?
        var generator = IdentifierRandom()
        let resends = UpstreamResends()
        retryBudget.recordRequest()
        for target in model.targets {
            guard let provider = providers[target.provider] else { continue }
            let breaker = breakers.breaker(provider: target.provider, model: target.model)
            route.provider = target.provider
            route.upstreamModel = target.model
            var retriesDone = 0
            while true {
                guard breaker.allowCall() else {
                    route.attempts.append(
                        AttemptRecord(provider: target.provider, upstreamModel: target.model, outcome: .skippedCircuitOpen, latencyMs: 0))
                    break
                }
                let start = ContinuousClock.now
                let startedAt = Date()
                do {
                    let output = try await UpstreamResends.$counter.withValue(resends) { try await attempt(provider, target) }
                    route.recordResends(resends.take(), of: target, startedAt: startedAt)
                    breaker.recordSuccess()
                    route.attempts.append(
                        AttemptRecord(
                            provider: target.provider, upstreamModel: target.model, outcome: .success, startedAt: startedAt,
                            latencyMs: start.millisecondsSince))
                    return (output, route)
                } catch {
                    guard let unscrubbed = error as? UpstreamError else {
                        route.recordResends(resends.take(), of: target, startedAt: startedAt)
                        breaker.recordAbandoned()
                        throw Failure(error: errors.map(error), route: route)
                    }
                    let upstream = errors.scrubbed(unscrubbed)
                    route.recordResends(resends.take(), of: target, startedAt: startedAt)
                    route.attempts.append(
                        AttemptRecord(
                            provider: target.provider, upstreamModel: target.model,
                            outcome: .failure(status: upstream.status, message: upstream.message), startedAt: startedAt,
                            latencyMs: start.millisecondsSince))
                    lastError = upstream
                    logger.warning(
                        "upstream attempt failed",
                        metadata: [
                            "provider": "\(target.provider)", "upstream_model": "\(target.model)",
                            "status": "\(upstream.status)", "error": "\(errors.map(upstream).message)",
                        ])
                    if Self.isTargetFailure(upstream) { breaker.recordFailure() } else { breaker.recordSuccess() }
                    if Self.isClientError(upstream) { throw Failure(error: errors.map(upstream), route: route) }
                    guard upstream.isRetryable, retriesDone < model.retries else { break }
                    var delayMs = backoff.delayMs(retry: retriesDone + 1, using: &generator)
                    if let retryAfter = upstream.retryAfter {
                        let requestedMs = Int(retryAfter * 1000)
                        guard requestedMs <= maxRetryAfterMs else { break }
                        delayMs = max(delayMs, requestedMs)
                    }
                    guard retryBudget.tryWithdraw() else { break }
                    retriesDone += 1
                    do {
                        try await Task.sleep(for: .milliseconds(delayMs))
                    } catch {
                        throw Failure(error: errors.map(error), route: route)
                    }
                }
            }
        }
        let final =
            lastError.map(errors.map)
            ?? KeelError(
                status: 503, type: "service_unavailable_error",
                message: "Every target of model '\(model.name)' is unavailable (circuit breakers open); try again later.",
                code: "circuit_open")
        throw Failure(error: final, route: route)
    }

    /// Failures that say the target is unhealthy or misconfigured: they feed its breaker and
    /// move on to the next target.
    static func isTargetFailure(_ error: UpstreamError) -> Bool {
        if error.isRetryable { return true }
        if case .http(let status) = error.kind { return [401, 403, 404].contains(status) }
        return error.kind == .invalidResponse
    }

    /// Failures caused by the request itself: another target would refuse it too.
    static func isClientError(_ error: UpstreamError) -> Bool {
        if case .http(let status) = error.kind { return [400, 413, 422].contains(status) }
        return false
    }
}

extension RouteInfo {
    /// The upstream client's re-sends on a new connection during one attempt, each an entry
    /// before the attempt's own.
    mutating func recordResends(_ count: Int, of target: TargetConfig, startedAt: Date) {
        for _ in 0..<count {
            attempts.append(
                AttemptRecord(
                    provider: target.provider, upstreamModel: target.model, outcome: .resentOnNewConnection, startedAt: startedAt, latencyMs: 0))
        }
    }
}

extension ContinuousClock.Instant {
    var millisecondsSince: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
