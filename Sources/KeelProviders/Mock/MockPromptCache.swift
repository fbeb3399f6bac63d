import Synchronization

/// A prefix of a request that the request marked for a prompt cache: a hash of everything up
/// to and including the marked block, and its size in the mock's tokens.
public struct MockCachePrefix: Sendable, Equatable {
    public var key: Int
    public var tokens: Int

    public init(key: Int, tokens: Int) {
        self.key = key
        self.tokens = tokens
    }
}

/// The mock's prompt cache, as Anthropic bills one: the longest marked prefix seen before is
/// read from the cache, the rest up to the last marked prefix is written to it. It has no
/// minimum length and no expiry.
final class MockPromptCache: Sendable {
    private let seen = Mutex<Set<Int>>([])
    /// A bound on what the cache remembers; past it, it starts empty again.
    private static let capacity = 100_000

    /// Cache reads and writes of a request marking `prefixes` (in order), at most `promptTokens` in all.
    func use(_ prefixes: [MockCachePrefix], promptTokens: Int) -> (read: Int, write: Int) {
        seen.withLock { seen in
            let read = prefixes.last { seen.contains($0.key) }?.tokens ?? 0
            let written = max(0, (prefixes.map(\.tokens).max() ?? 0) - read)
            if seen.count + prefixes.count > Self.capacity { seen.removeAll() }
            seen.formUnion(prefixes.map(\.key))
            let cappedRead = min(read, promptTokens)
            return (cappedRead, min(written, promptTokens - cappedRead))
        }
    }
}
