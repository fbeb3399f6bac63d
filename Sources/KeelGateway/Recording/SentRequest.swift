import KeelCore
import KeelPrompts
import KeelStore

extension Trace {
    /// The trace with the request Keel sent: a call by reference stored as called
    /// (`requestIsCall`) is rendered again from its version in `catalog`, as the prompt stage
    /// rendered it. A trace whose version the catalog lacks keeps the call as it was stored.
    public func withSentRequest(from catalog: PromptCatalog) -> Trace {
        guard requestIsCall, let sent = sentRequest(from: catalog) else { return self }
        var trace = self
        trace.request = .object(sent)
        trace.requestJSON = nil
        trace.requestIsCall = false
        return trace
    }

    /// The messages Keel sent the model (a prompt's rendered ones first).
    public func sentMessages(from catalog: PromptCatalog) -> [JSONValue] {
        let sent = requestIsCall ? sentRequest(from: catalog).map(JSONValue.object) : nil
        return (sent ?? storedRequest)["messages"]?.arrayValue ?? []
    }

    /// `request`, or its text parsed when the trace has let the parsed copy go.
    private var storedRequest: JSONValue {
        request != .null ? request : requestJSON.flatMap { try? JSONValue.parse($0) } ?? .null
    }

    private func sentRequest(from catalog: PromptCatalog) -> JSONObject? {
        guard let use = prompt, let call = storedRequest.objectValue, let field = call["prompt"],
            var reference = try? PromptReference.parse(field)
        else { return nil }
        reference.selector = .version(use.version)
        guard let resolved = try? catalog.resolve(reference) else { return nil }
        return RenderedBody(client: call, prompt: resolved).object
    }
}
