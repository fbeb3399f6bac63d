/// Exponential backoff with jitter between attempts on one target.
public struct Backoff: Sendable {
    public var initialMs: Int
    public var maxMs: Int

    public init(initialMs: Int, maxMs: Int) {
        self.initialMs = initialMs
        self.maxMs = maxMs
    }

    /// The wait before retry number `retry` (1 for the first retry): between half and all of
    /// `initial * 2^(retry-1)`, capped at `maxMs`.
    public func delayMs(retry: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let exponent = min(max(0, retry - 1), 20)
        let ceiling = min(maxMs, initialMs << exponent)
        guard ceiling > 0 else { return 0 }
        return ceiling / 2 + Int.random(in: 0...(ceiling - ceiling / 2), using: &generator)
    }
}
