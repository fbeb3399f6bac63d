import KeelCore
import KeelGuardrails

/// Applies a model's input checks: verdicts go on the trace, a redacted value never reaches
/// the provider nor the store, a blocking finding ends the request with a 400.
enum InputGuardStage {
    static func apply(_ engine: GuardEngine, to request: inout ChatRequest, draft: inout TraceDraft) throws(GatewayError) {
        let outcome = InputGuard.inspect(request.body["messages"]?.arrayValue ?? [], with: engine)
        draft.guardrails = outcome.verdicts.map(\.json)
        if let stored = outcome.storedMessages { draft.body?["messages"] = .array(stored) }
        if let variables = draft.prompt?.variables, !variables.isEmpty {
            draft.prompt?.variables = InputGuard.storedVariables(variables, with: engine)
        }
        // The call holds the variables and messages as they came, before any redaction.
        if draft.prompt != nil { draft.storeRenderedRequest() }
        if let blocking = outcome.blocking { throw GatewayError(InputGuard.blockedError(blocking)) }
        if let forwarded = outcome.forwardedMessages {
            request.body["messages"] = .array(forwarded)
            request.bodyEdited = true
        }
    }
}

/// Applies a model's output checks to a whole answer: a blocking finding withholds it (a 502),
/// redactions are applied before the client and the store see it.
enum OutputGuardStage {
    static func apply(_ engine: GuardEngine, to response: inout GatewayResponse, draft: inout TraceDraft) throws(GatewayError) {
        guard let answer = response.content.wholeAnswer else { return }
        let outcome = OutputGuard.inspect(answer, with: engine)
        draft.guardrails += outcome.verdicts.map(\.json)
        if let blocking = outcome.blocking { throw GatewayError(OutputGuard.withheldError(blocking), route: response.route) }
        if let redacted = outcome.redacted { response.content = .json(redacted) }
    }
}

/// Checks a whole answer against its schema; one that breaks it is asked for again once, and
/// withheld (a 502) if the second breaks it too. A `flag` rule only records the verdicts.
enum SchemaStage {
    static func check(
        _ response: GatewayResponse, with schema: SchemaGuard, asking request: ChatRequest, to model: ModelConfig, routing: ChatRouting,
        draft: inout TraceDraft
    ) async throws(GatewayError) -> GatewayResponse {
        guard let answer = response.content.wholeAnswer else { return response }
        let verdicts = schema.verdicts(on: answer)
        draft.guardrails += verdicts.map(\.json)
        guard !verdicts.isEmpty, schema.action == .block else { return response }
        let retried = try await routing.route(request, to: model, draft: draft, guarding: nil)
        guard let retriedAnswer = retried.content.wholeAnswer else { return retried }
        let retriedVerdicts = schema.verdicts(on: retriedAnswer)
        draft.guardrails += retriedVerdicts.map { verdict in
            var json = verdict.json.objectValue ?? [:]
            json["attempt"] = 2
            return .object(json)
        }
        if let blocking = retriedVerdicts.first {
            throw GatewayError(SchemaGuard.withheldError(blocking, attempts: 2), route: retried.route)
        }
        return retried
    }
}
