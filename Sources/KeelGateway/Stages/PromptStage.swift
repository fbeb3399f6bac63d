import KeelCore
import KeelPrompts
import KeelStore

/// The prompt version that served a request (the `x-keel-prompt` header, and the trace's).
/// What the trace stores of it is made once, here, and shared by reference with the trace: a
/// copy of it is one retain. The rollout arm that chose the version is the draft's
/// (`TraceDraft.promptRollout`).
public struct ServedPrompt: Sendable, Equatable {
    /// Name, version, label, the model the request named and the variables, as the trace keeps them.
    public private(set) var use: Trace.PromptUse

    public var name: String { use.name }
    public var version: Int { use.version }
    /// `support-reply@3`.
    public var header: String { use.reference }
    /// The label the request asked for; nil when it named a version.
    public var label: String? { use.label }
    /// The model the request named, which the prompt's pin overrode.
    public var requestedModel: String? { use.requestedModel }
    /// The variables the request rendered it with (as stored: a guardrail may have redacted them).
    public var variables: JSONObject {
        get { use.variables ?? [:] }
        set {
            use = Trace.PromptUse(
                name: use.name, version: use.version, label: use.label, requestedModel: use.requestedModel, variables: newValue,
                reference: use.reference)
        }
    }

    init(_ resolved: ResolvedPrompt, requestedModel: String?, variables: JSONObject) {
        use = Trace.PromptUse(
            name: resolved.name, version: resolved.version, label: resolved.label, requestedModel: requestedModel, variables: variables,
            reference: resolved.reference)
    }
}

/// Serves a request that calls a prompt by reference (`"prompt": {"id", "variables", ...}`):
/// the version's rendered messages go before the request's own (its chat history), the
/// version's parameters go under the request's own, and the version's pinned model wins over
/// the request's. Read from the snapshot's catalog: no store read per request.
enum PromptStage {
    static func apply(
        to request: inout ChatRequest, draft: inout TraceDraft, from catalog: PromptCatalog, faults: PromptRenderingFaults,
        rollouts: RolloutBoard, headers: [String: String], forcedVersion: Int?, assigns: Bool = true
    ) throws(KeelError) -> ServedPrompt? {
        guard let field = request.body["prompt"] else { return nil }
        var reference = try PromptReference.parse(field)
        var choice = VersionChoice()
        if forcedVersion != nil || (assigns && rollouts.servesAny) {
            choice = VersionChoice(&reference, forcedVersion: forcedVersion, rollouts: rollouts, user: draft.members?.user, headers: headers)
        }
        var resolved = try catalog.resolve(reference)
        if let label = choice.askedLabel { resolved.label = label }
        try faults.check(name: resolved.name, version: resolved.version)
        let client = request.body
        if resolved.messageCount == 0 { try ChatRequest.checkHasMessages(client["messages"]?.arrayValue ?? []) }
        let rendered = RenderedBody(client: client, prompt: resolved)
        let call = request.rawBody
        // Bytes whose keys are written with escapes are not edited: the body is encoded instead.
        let bytes = request.editableMembers.map {
            RenderedRequestBytes.write(client: request.rawBody, members: $0, prompt: resolved, addedParams: rendered.added)
        }
        let requestedModel = request.model.isEmpty ? nil : request.model
        // Made only if a stage reads it: the bytes just written are what goes upstream and to the store.
        request.deferredBody = DeferredObject(maker: rendered)
        if let bytes {
            request.rawBody = bytes
            request.modelValueRange = resolved.modelValueRange
        } else {
            request.bodyEdited = true
        }
        request.model = resolved.model
        request.stablePrefixMessages = resolved.messageCount == 0 ? nil : resolved.messageCount
        let served = ServedPrompt(resolved, requestedModel: requestedModel, variables: reference.variables)
        draft.prompt = served
        if choice.rollout != nil { draft.promptRollout = choice.rollout }
        draft.rendered(request.deferredBody, by: rendered, stream: request.stream, bytes: request.bodyEdited ? nil : request.rawBody, call: call)
        return served
    }
}

/// Which version serves a call by reference when it is not simply the one its selector names:
/// a version forced on it (a shadow copy runs the candidate), or the arm a rollout of its label
/// assigns it. Out of line: most requests have neither, and its code would only spread theirs.
struct VersionChoice {
    /// The rollout arm that chose the version.
    var rollout: ServedArm?
    /// The label the request asked for, when another version than the label's serves it.
    var askedLabel: String?

    init() {}

    @inline(never)
    init(_ reference: inout PromptReference, forcedVersion: Int?, rollouts: RolloutBoard, user: String?, headers: [String: String]) {
        if let forcedVersion {
            if case .label(let label) = reference.selector { askedLabel = label }
            reference.selector = .version(forcedVersion)
            return
        }
        guard case .label(let label) = reference.selector else { return }
        rollout = rollouts.assign(subject: "prompt:\(reference.id):\(label)") { $0.key(bodyUser: user, headers: headers) }
        if let candidate = rollout?.candidateVersion {
            reference.selector = .version(candidate)
            askedLabel = label
        }
    }
}

/// A call by reference's request body: the client's, `prompt` dropped, the version's messages
/// before the client's, its parameters under the client's, its model pinned. Made only when a
/// stage reads it (`DeferredObject`).
final class RenderedBody: ObjectMaker {
    let client: JSONObject
    let prompt: ResolvedPrompt
    /// The version's parameters the client did not set.
    let added: [PromptParam]
    private let made = MadeObject()

    init(client: JSONObject, prompt: ResolvedPrompt) {
        self.client = client
        self.prompt = prompt
        // The version's parameters the client left to it: usually all of them, shared as they are.
        func isAdded(_ param: PromptParam) -> Bool { client.value(comparingKeysFor: param.name) == nil }
        let params = prompt.paramMembers
        added = params.allSatisfy(isAdded) ? params : params.filter(isAdded)
    }

    var object: JSONObject { made.get(making: make) }
    var hasMade: Bool { made.isMade }

    /// Sets what the trace records of the body, read without making it: the pinned model, and
    /// a member the client did not set may come from the version's parameters. `members`:
    /// what the trace read of the client's body already, if it did.
    func trace(into members: inout TracedMembers?, stream: Bool) {
        if members == nil { members = TracedMembers(client) }
        members!.model = prompt.model
        members!.stream = stream
        guard prompt.setsTracedMembers else { return }
        // A member the client set, even to null, is not among the added ones.
        func added(_ name: String) -> JSONValue? { self.added.first { $0.name == name }?.value }
        if members!.user == nil { members!.user = added("user")?.stringValue }
        if members!.metadata == nil { members!.metadata = added("metadata") }
    }

    private func make() -> JSONObject {
        var body = client
        body.reserveCapacity(client.count + added.count + 2)
        body.removeValue(forKey: "prompt")
        for param in added { body[param.name] = param.value }
        body["messages"] = .array(prompt.messages(followedBy: client["messages"]?.arrayValue ?? []))
        body["model"] = .string(prompt.model)
        return body
    }
}
