import KeelCore

/// Applies the model's token caps: counts the input, clamps the output, prunes or refuses.
enum TokenCapStage {
    static func apply(to request: inout ChatRequest, model: ModelConfig, snapshot: GatewaySnapshot, draft: inout TraceDraft) throws(KeelError) {
        guard model.maxInputTokens != nil || model.maxOutputTokens != nil else { return }
        let outcome = try TokenCaps.apply(to: request.body, model: model, counter: snapshot.recorder.tokens, providers: snapshot.config.providers)
        draft.countedInputTokens = outcome.inputTokens
        guard outcome.edited else { return }
        request.body = outcome.body
        request.bodyEdited = true
        // Pruning may have taken messages from the front: the prompt's part is no longer known.
        request.stablePrefixMessages = nil
        draft.body = outcome.body
    }
}
