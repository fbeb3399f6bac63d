import Foundation
import KeelCore
import Testing

@testable import KeelGateway

@Suite struct BPETokenizerTests {
    /// Texts encoded by OpenAI's tiktoken (0.12, cl100k_base) for comparison: prose, code,
    /// contractions, numbers, whitespace runs, accents, CJK, emoji, and random mixtures.
    static let golden: [(String, [Int])] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cl100k-golden.json")
        // A missing or broken fixture fails `encodesAsTiktokenDoes` on its count.
        let data = (try? Data(contentsOf: url)) ?? Data()
        return ((try? JSONValue.parse(data))?.arrayValue ?? []).map { item in
            (item["text"]?.stringValue ?? "", item["tokens"]?.arrayValue?.compactMap(\.intValue) ?? [])
        }
    }()

    @Test func encodesAsTiktokenDoes() throws {
        let tokenizer = try #require(BPETokenizer.cl100k)
        #expect(Self.golden.count == 63)
        for (text, tokens) in Self.golden {
            #expect(tokenizer.encode(text) == tokens, "\(text.debugDescription)")
            #expect(tokenizer.count(text) == tokens.count)
        }
    }
}

@Suite struct TokenCounterTests {
    @Test func chatFramingAndCalibration() throws {
        let counter = TokenCounter(vocabulary: BPETokenizer.cl100k)
        let openAI = ModelConfig(name: "gpt", targets: [TargetConfig(provider: "openai", model: "gpt-4")])
        let other = ModelConfig(name: "claude", targets: [TargetConfig(provider: "anthropic", model: "claude")])
        let providers = [ProviderConfig(name: "openai", kind: .openai), ProviderConfig(name: "anthropic", kind: .anthropic)]
        let body: JSONObject = ["messages": [["role": "user", "content": "hello world"]]]
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming), as OpenAI counts.
        #expect(counter.count(body, model: openAI, providers: providers) == 9)
        let estimate = counter.count(body, model: other, providers: providers)
        for _ in 0..<30 {
            counter.reconcile(model: "claude", counted: counter.count(body, model: other, providers: providers), reported: 2 * estimate)
        }
        #expect(abs(Double(counter.count(body, model: other, providers: providers)) - Double(2 * estimate)) <= 1)
    }

    @Test func newerOpenAIModelsStartFromCl100kAndAreCalibratedExactOnesAreNot() {
        let counter = TokenCounter(vocabulary: BPETokenizer.cl100k)
        let providers = [ProviderConfig(name: "openai", kind: .openai)]
        let gpt4 = ModelConfig(name: "gpt4", targets: [TargetConfig(provider: "openai", model: "gpt-4-turbo")])
        let gpt4o = ModelConfig(name: "gpt4o", targets: [TargetConfig(provider: "openai", model: "gpt-4o-mini")])
        let body: JSONObject = ["messages": [["role": "user", "content": "hello world"]]]
        #expect(counter.count(body, model: gpt4o, providers: providers) == 9)
        for model in [gpt4, gpt4o] {
            for _ in 0..<30 { counter.reconcile(model: model.name, counted: counter.count(body, model: model, providers: providers), reported: 8) }
        }
        #expect(counter.count(body, model: gpt4, providers: providers) == 9)
        #expect(counter.count(body, model: gpt4o, providers: providers) == 8)
        #expect(BPETokenizer.usesCl100k("gpt-3.5-turbo") && BPETokenizer.usesCl100k("text-embedding-3-small"))
        #expect(!BPETokenizer.usesCl100k("gpt-4.1") && !BPETokenizer.usesCl100k("o3-mini") && !BPETokenizer.usesCl100k("gpt-5"))
    }
}

@Suite struct VocabularyLoadingTests {
    static let providers = [ProviderConfig(name: "openai", kind: .openai), ProviderConfig(name: "anthropic", kind: .anthropic)]

    @Test func aGatewayWithATokenCapOnAnOpenAIModelLoadsTheVocabularyAtStart() {
        var capped = ModelConfig(name: "gpt", targets: [TargetConfig(provider: "openai", model: "gpt-4")])
        capped.maxInputTokens = 1_000
        var config = KeelConfig(providers: Self.providers, models: [capped])
        let gateway = Gateway(config: config, providers: [:])
        #expect(gateway.recorder.tokens.vocabulary != nil)

        var claude = ModelConfig(name: "claude", targets: [TargetConfig(provider: "anthropic", model: "claude")])
        claude.maxInputTokens = 1_000
        config.models = [ModelConfig(name: "gpt", targets: [TargetConfig(provider: "openai", model: "gpt-4")]), claude]
        #expect(!TokenCounter.needsVocabulary(config))
        #expect(Gateway(config: config, providers: [:]).recorder.tokens.vocabulary == nil)
    }
}
