import Testing

@testable import KeelGateway

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresAndProbesAfterCooldown() async throws {
        let breaker = CircuitBreaker(failureThreshold: 3, cooldown: .milliseconds(100))
        for _ in 0..<2 {
            #expect(breaker.allowCall())
            breaker.recordFailure()
        }
        #expect(breaker.state == .closed)
        breaker.recordFailure()
        #expect(breaker.state == .open)
        #expect(!breaker.allowCall())
        try await Task.sleep(for: .milliseconds(150))
        #expect(breaker.state == .halfOpen)
        #expect(breaker.allowCall())
        #expect(!breaker.allowCall(), "only one probe at a time")
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
        #expect(breaker.allowCall())
    }

    @Test func failedProbeReopensForAnotherCooldown() async throws {
        let breaker = CircuitBreaker(failureThreshold: 1, cooldown: .milliseconds(80))
        breaker.recordFailure()
        try await Task.sleep(for: .milliseconds(100))
        #expect(breaker.allowCall())
        breaker.recordFailure()
        #expect(breaker.state == .open)
        #expect(!breaker.allowCall())
    }

    @Test func successResetsTheCount() {
        let breaker = CircuitBreaker(failureThreshold: 2, cooldown: .seconds(60))
        breaker.recordFailure()
        breaker.recordSuccess()
        breaker.recordFailure()
        #expect(breaker.state == .closed)
    }
}

@Suite struct RetryBudgetTests {
    @Test func retriesStayAFractionOfRequests() {
        let budget = RetryBudget(ratio: 0.25, minPerSecond: 0)
        // The initial allowance is one retry.
        #expect(budget.tryWithdraw())
        #expect(!budget.tryWithdraw())
        for _ in 0..<100 { budget.recordRequest() }
        #expect(budget.tryWithdraw())
        for _ in 0..<1000 { budget.recordRequest() }
        var granted = 0
        while budget.tryWithdraw() { granted += 1 }
        // Savings are capped: a long quiet spell does not bank an unbounded retry storm.
        #expect(granted == 26)
    }

    @Test func floorRefillsWithTime() async throws {
        let budget = RetryBudget(ratio: 0, minPerSecond: 20)
        while budget.tryWithdraw() {}
        try await Task.sleep(for: .milliseconds(200))
        #expect(budget.tryWithdraw())
    }
}

@Suite struct BackoffTests {
    @Test func growsExponentiallyWithJitterAndACap() {
        let backoff = Backoff(initialMs: 100, maxMs: 1000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            #expect((50...100).contains(backoff.delayMs(retry: 1, using: &generator)))
            #expect((100...200).contains(backoff.delayMs(retry: 2, using: &generator)))
            #expect((500...1000).contains(backoff.delayMs(retry: 9, using: &generator)))
        }
    }
}
