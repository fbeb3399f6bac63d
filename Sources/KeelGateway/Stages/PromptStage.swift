import KeelCore
import KeelPrompts

/// The prompt version that served a request (the `x-keel-prompt` header, and the trace's).
public struct ServedPrompt: Sendable, Equatable {
    public var name: String
    public var version: Int
    /// The label the request asked for; nil when it named a version.
    public var label: String?
    /// The model the request named, which the prompt's pin overrode.
    public var requestedModel: String?
    /// The variables the request rendered it with.
    public var variables: JSONObject = [:]
    /// The rollout arm that chose the version, when a rollout has the label.
    var rollout: ServedArm?

    /// `support-reply@3`.
    public var header: String { "\(name)@\(version)" }
}

/// Serves a request that calls a prompt by reference (`"prompt": {"id", "variables", ...}`):
/// the version's rendered messages go before the request's own (its chat history), the
/// version's parameters go under the request's own, and the version's pinned model wins over
/// the request's. Read from the snapshot's catalog: no store read per request.
enum PromptStage {
    /// Fields a prompt's `params` never set: the request's shape is the client's to choose.
    static let clientOwned: Set<String> = ["model", "messages", "prompt", "stream", "stream_options"]

    static func apply(
        to request: inout ChatRequest, from catalog: PromptCatalog, faults: PromptRenderingFaults, rollouts: RolloutBoard, headers: [String: String],
        forcedVersion: Int?,
        assigns: Bool = true
    ) throws(KeelError) -> ServedPrompt? {
        guard let field = request.body["prompt"] else { return nil }
        var reference = try PromptReference.parse(field)
        var rollout: ServedArm?
        if let forcedVersion {
            reference.selector = .version(forcedVersion)
        } else if assigns, case .label(let label) = reference.selector {
            let user = request.body["user"]?.stringValue
            rollout = rollouts.assign(subject: "prompt:\(reference.id):\(label)") { $0.key(bodyUser: user, headers: headers) }
            if let candidate = rollout?.candidateVersion { reference.selector = .version(candidate) }
        }
        var resolved = try catalog.resolve(reference)
        if rollout?.candidateVersion != nil || forcedVersion != nil, case .label(let label) = try PromptReference.parse(field).selector {
            resolved.label = label
        }
        try faults.check(name: resolved.name, version: resolved.version)
        let messages = resolved.messages + (request.body["messages"]?.arrayValue ?? [])
        try ChatRequest.checkHasMessages(messages)
        var addedParams: [(String, JSONValue)] = []
        addedParams.reserveCapacity(resolved.params.count)
        for (name, value) in resolved.params where request.body[name] == nil && !clientOwned.contains(name) { addedParams.append((name, value)) }
        var body = request.body
        // One copy of the client's (shared) body, with room for what the version adds.
        body.reserveCapacity(body.count + addedParams.count + 2)
        body.removeValue(forKey: "prompt")
        for (name, value) in addedParams { body[name] = value }
        body["messages"] = .array(messages)
        body["model"] = .string(resolved.model)
        if let rendered = RenderedRequestBytes.write(client: request.rawBody, prompt: resolved, addedParams: addedParams) {
            request.rawBody = rendered
        } else {
            request.bodyEdited = true
        }
        let requestedModel = request.model.isEmpty ? nil : request.model
        request.body = body
        request.model = resolved.model
        request.stablePrefixMessages = resolved.messages.isEmpty ? nil : resolved.messages.count
        return ServedPrompt(
            name: resolved.name, version: resolved.version, label: resolved.label, requestedModel: requestedModel, variables: reference.variables,
            rollout: rollout)
    }
}
