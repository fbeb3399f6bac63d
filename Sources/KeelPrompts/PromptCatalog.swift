import KeelCore

// TEMPORARY placeholder until the prompts branch lands (replaced by its PromptCatalog).
public struct ResolvedPrompt: Sendable {
    public var name: String
    public var version: Int
    public var label: String?
    public var model: String
    public var params: JSONObject
    public var messages: [JSONValue]
}

public struct PromptCatalog: Sendable {
    public static let empty = PromptCatalog()

    public func resolve(_ reference: PromptReference) throws(KeelError) -> ResolvedPrompt {
        throw KeelError.invalidRequest("Unknown prompt '\(reference.id)'.", param: "prompt.id", code: "prompt_not_found")
    }
}
