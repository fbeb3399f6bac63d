import KeelCore
import Yams

/// Prices per million tokens, by model, and the cost of a request from its usage.
public struct PriceCatalog: Sendable {
    public struct Price: Sendable, Equatable {
        public var input: Double
        public var output: Double
        /// Cached input read; defaults to `input`.
        public var cachedInput: Double?
        /// Input written to a prompt cache (Anthropic); defaults to `input`.
        public var cacheWrite: Double?

        public init(input: Double, output: Double, cachedInput: Double? = nil, cacheWrite: Double? = nil) {
            self.input = input
            self.output = output
            self.cachedInput = cachedInput
            self.cacheWrite = cacheWrite
        }
    }

    public struct Entry: Sendable, Equatable {
        /// A provider kind or name this entry is limited to; nil for any.
        public var provider: String?
        /// The model name; `*` matches every model (of `provider`).
        public var model: String
        public var price: Price

        public init(provider: String? = nil, model: String, price: Price) {
            self.provider = provider
            self.model = model
            self.price = price
        }
    }

    public struct TokenCounts: Sendable, Equatable {
        /// All input tokens, cached and cache-written ones included.
        public var prompt: Int
        public var completion: Int
        public var cached: Int
        public var cacheWrite: Int

        public init(prompt: Int, completion: Int, cached: Int = 0, cacheWrite: Int = 0) {
            self.prompt = prompt
            self.completion = completion
            self.cached = cached
            self.cacheWrite = cacheWrite
        }
    }

    /// When the built-in prices were compiled.
    public let date: String
    /// Earlier entries win: configuration overrides come first.
    public let entries: [Entry]

    public init(date: String, entries: [Entry]) {
        self.date = date
        self.entries = entries
    }

    /// The price of the first of `models` that the catalog knows, for a provider (by name and kind).
    public func price(providerName: String, providerKind: String, models: [String]) -> Price? {
        let candidates = entries.filter { $0.provider == nil || $0.provider == providerName || $0.provider == providerKind }
        for model in models where !model.isEmpty {
            for name in Self.lookupNames(model) {
                if let entry = candidates.first(where: { $0.model == name }) { return entry.price }
            }
        }
        for model in models where !model.isEmpty {
            let name = Self.lookupNames(model).last ?? model
            let prefixed = candidates.filter { $0.model != "*" && name.hasPrefix($0.model + "-") }
            if let longest = prefixed.max(by: { $0.model.count < $1.model.count }) { return longest.price }
        }
        return candidates.first { $0.model == "*" }?.price
    }

    /// USD for `tokens` at `price`.
    public static func cost(_ tokens: TokenCounts, at price: Price) -> Double {
        let uncached = max(0, tokens.prompt - tokens.cached - tokens.cacheWrite)
        let micro =
            Double(uncached) * price.input + Double(tokens.cached) * (price.cachedInput ?? price.input)
            + Double(tokens.cacheWrite) * (price.cacheWrite ?? price.input) + Double(tokens.completion) * price.output
        return micro / 1_000_000
    }

    /// USD that prompt caching saved on `tokens` at `price`: cached reads at the full input rate
    /// less what they cost, less what cache writes cost above the input rate. Negative for a
    /// request that only wrote to the cache; nil for one that neither read nor wrote.
    public static func cacheSavings(_ tokens: TokenCounts, at price: Price) -> Double? {
        guard tokens.cached > 0 || tokens.cacheWrite > 0 else { return nil }
        let readSaving = Double(tokens.cached) * (price.input - (price.cachedInput ?? price.input))
        let writeCost = Double(tokens.cacheWrite) * ((price.cacheWrite ?? price.input) - price.input)
        return (readSaving - writeCost) / 1_000_000
    }

    /// The name itself, without a `models/` prefix, then without a date suffix
    /// (`-2024-08-06`, `-20250514`, `@20240620`).
    static func lookupNames(_ model: String) -> [String] {
        var names = [model]
        var name = model
        if name.hasPrefix("models/") {
            name = String(name.dropFirst(7))
            names.append(name)
        }
        for pattern in [#"[-@]\d{4}-\d{2}-\d{2}$"#, #"[-@]\d{8}$"#] {
            if let range = name.range(of: pattern, options: .regularExpression) {
                names.append(String(name[..<range.lowerBound]))
            }
        }
        return names
    }
}

extension PriceCatalog {
    /// The catalog that ships with Keel (`BuiltInPrices.yaml`), behind `overrides` from keel.yaml.
    public static func builtIn(overrides: [Entry] = []) -> PriceCatalog {
        let builtIn = parseBuiltIn()
        return PriceCatalog(date: builtIn.date, entries: overrides + builtIn.entries)
    }

    static func parseBuiltIn() -> PriceCatalog {
        // The text is part of the binary and covered by tests; it cannot fail to parse.
        let node = try! Yams.compose(yaml: BuiltInPrices.yaml)!
        let date = node["date"]?.string ?? "unknown"
        var entries: [Entry] = []
        for vendor in node["vendors"]?.sequence ?? [] {
            let provider = vendor["provider"]?.string
            for model in vendor["models"]?.sequence ?? [] {
                guard let name = model["model"]?.string, let input = model["input"]?.float, let output = model["output"]?.float else { continue }
                entries.append(
                    Entry(
                        provider: provider, model: name,
                        price: Price(input: input, output: output, cachedInput: model["cached_input"]?.float, cacheWrite: model["cache_write"]?.float)
                    ))
            }
        }
        return PriceCatalog(date: date, entries: entries)
    }
}

extension PriceCatalog {
    /// The built-in catalog behind the `pricing:` entries of keel.yaml.
    public static func builtIn(overrides: [PriceOverride]) -> PriceCatalog {
        builtIn(
            overrides: overrides.map { override in
                Entry(
                    provider: override.provider, model: override.model,
                    price: Price(input: override.input, output: override.output, cachedInput: override.cachedInput, cacheWrite: override.cacheWrite))
            })
    }
}
