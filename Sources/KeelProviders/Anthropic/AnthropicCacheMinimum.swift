/// The fewest tokens Anthropic caches for a model: a shorter prefix marked with `cache_control`
/// is processed without caching (no error, no discount).
public enum AnthropicCacheMinimum {
    /// As Anthropic's prompt caching documentation lists them, by model-name prefix; the
    /// longest matching prefix wins.
    static let tokensByModelPrefix: [(prefix: String, tokens: Int)] = [
        ("claude-opus-4-6", 4096),
        ("claude-opus-4-5", 4096),
        ("claude-haiku-4-5", 4096),
        ("claude-3-5-haiku", 2048),
        ("claude-3-haiku", 2048),
    ]

    /// The documented minimum of the Sonnet and Opus models. For a model the table does not
    /// know, a minimum set too low only spends a breakpoint on a prefix that is not cached;
    /// one set too high would forgo a discount.
    public static let defaultTokens = 1024

    /// The minimum for an upstream model name (`claude-3-5-haiku-20241022`, or with a vendor
    /// prefix such as `anthropic/claude-...`).
    public static func tokens(for model: String) -> Int {
        let name = model.range(of: "claude-").map { model[$0.lowerBound...] } ?? model[...]
        let matches = tokensByModelPrefix.filter { name.hasPrefix($0.prefix) }
        return matches.max { $0.prefix.count < $1.prefix.count }?.tokens ?? defaultTokens
    }
}
