import Foundation
import KeelCore
import Synchronization

/// Counts the input tokens of a chat request: exactly with the cl100k_base vocabulary for the
/// OpenAI models that use it, and otherwise with a calibrated count, scaled by what each
/// model's provider has reported so far. The base of that count is cl100k_base for OpenAI's
/// newer models (o200k_base, not bundled: the two differ by a few percent, which the
/// calibration absorbs) and about four bytes a token for other providers. Every count is
/// reconciled with the provider's reported usage when the answer comes.
final class TokenCounter: Sendable {
    /// OpenAI's framing of a chat: each message costs three tokens more than its text (four
    /// with a name), and the reply is primed with three.
    static let perMessage = 3
    static let perName = 1
    static let replyPriming = 3

    /// reported / counted, per Keel model, smoothed.
    private let ratios = Mutex<[String: Double]>([:])
    /// cl100k_base, loaded at start when a model needs it: read on the event loop of the first
    /// capped request, its 100k ranks would hold that loop for a long moment.
    let vocabulary: BPETokenizer?

    init(vocabulary: BPETokenizer? = nil) {
        self.vocabulary = vocabulary
    }

    /// Whether a model of `config` counts tokens with the vocabulary: a token cap on a model
    /// whose first target is an OpenAI provider.
    static func needsVocabulary(_ config: KeelConfig) -> Bool {
        config.models.contains { model in
            guard model.maxInputTokens != nil || model.maxOutputTokens != nil, let target = model.targets.first else { return false }
            return config.providers.first { $0.name == target.provider }?.kind == .openai
        }
    }

    func count(_ body: JSONObject, model: ModelConfig, providers: [ProviderConfig]) -> Int {
        let target = model.targets.first
        let openAI = target.flatMap { target in providers.first { $0.name == target.provider } }?.kind == .openai
        let tokenizer = openAI ? vocabulary : nil
        let exact = tokenizer != nil && BPETokenizer.usesCl100k(target?.model ?? "")
        let measure: (String) -> Int = { text in tokenizer?.count(text) ?? TokenEstimate.tokens(in: text) }
        var total = Self.replyPriming
        for message in body["messages"]?.arrayValue ?? [] {
            total += Self.tokens(of: message, measure)
        }
        if let tools = body["tools"] { total += measure(tools.encodedString()) }
        guard !exact, let ratio = ratios.withLock({ $0[model.name] }) else { return total }
        return Int((Double(total) * ratio).rounded(.up))
    }

    static func tokens(of message: JSONValue, _ measure: (String) -> Int) -> Int {
        var total = perMessage + measure(message["role"]?.stringValue ?? "")
        switch message["content"] {
        case .string(let text)?: total += measure(text)
        case .array(let parts)?: total += parts.compactMap { $0["text"]?.stringValue }.map(measure).reduce(0, +)
        default: break
        }
        if let name = message["name"]?.stringValue { total += perName + measure(name) }
        if let calls = message["tool_calls"] { total += measure(calls.encodedString()) }
        return total
    }

    /// Learns from the provider's count of a request this counter counted.
    func reconcile(model: String, counted: Int, reported: Int) {
        guard counted > 0, reported > 0 else { return }
        let observed = Double(reported) / Double(counted)
        ratios.withLock { ratios in
            // Raw counts are what the ratio scales: undo the current ratio before learning.
            let current = ratios[model] ?? 1
            let raw = observed * current
            ratios[model] = current * 0.8 + raw * 0.2
        }
    }

    func ratio(for model: String) -> Double { ratios.withLock { $0[model] } ?? 1 }
}
