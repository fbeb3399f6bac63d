import Testing

@testable import KeelProviders

@Suite struct PromptCacheSavingsTests {
    /// Claude Sonnet 4.5: $3 in, cache writes $3.75 (1.25x), cache reads $0.30 (0.1x) per million.
    let sonnet = PriceCatalog.builtIn().price(providerName: "claude", providerKind: "anthropic", models: ["claude-sonnet-4-5-20250929"])

    @Test func aCacheReadSavesTheDifferenceToTheInputRate() throws {
        let price = try #require(sonnet)
        let tokens = PriceCatalog.TokenCounts(prompt: 10_100, completion: 50, cached: 10_000)
        let savings = try #require(PriceCatalog.cacheSavings(tokens, at: price))
        #expect(abs(savings - 10_000 * (3.00 - 0.30) / 1_000_000) < 1e-12)
        // What it cost plus what it saved is what it would have cost uncached.
        let uncached = PriceCatalog.cost(PriceCatalog.TokenCounts(prompt: 10_100, completion: 50), at: price)
        #expect(abs(PriceCatalog.cost(tokens, at: price) + savings - uncached) < 1e-12)
    }

    @Test func aCacheWriteAloneCostsMore() throws {
        let price = try #require(sonnet)
        let savings = try #require(PriceCatalog.cacheSavings(PriceCatalog.TokenCounts(prompt: 10_100, completion: 50, cacheWrite: 10_000), at: price))
        #expect(abs(savings + 10_000 * 0.75 / 1_000_000) < 1e-12)
    }

    @Test func readsAndWritesInOneRequestNet() throws {
        let price = try #require(sonnet)
        let tokens = PriceCatalog.TokenCounts(prompt: 3_000, completion: 10, cached: 2_000, cacheWrite: 1_000)
        let savings = try #require(PriceCatalog.cacheSavings(tokens, at: price))
        #expect(abs(savings - (2_000 * 2.70 - 1_000 * 0.75) / 1_000_000) < 1e-12)
    }

    @Test func noCacheTrafficIsNoSaving() throws {
        let price = try #require(sonnet)
        #expect(PriceCatalog.cacheSavings(PriceCatalog.TokenCounts(prompt: 100, completion: 5), at: price) == nil)
        // A price without cache rates bills cached tokens at the input rate: nothing saved.
        let flat = PriceCatalog.Price(input: 1, output: 2)
        #expect(PriceCatalog.cacheSavings(PriceCatalog.TokenCounts(prompt: 100, completion: 5, cached: 50), at: flat) == 0)
    }
}
