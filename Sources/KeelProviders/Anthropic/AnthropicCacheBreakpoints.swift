import KeelCore

/// Marks the stable part of a translated Messages request for Anthropic's prompt cache: a
/// `cache_control: {"type": "ephemeral"}` breakpoint after the tools, after the system prompt
/// and after the last of the request's stable leading messages, where the request up to that
/// point is at least the model's cacheable minimum. Anthropic caches the prefix up to each
/// breakpoint (tools, then system, then messages), so a later request that repeats it is
/// billed at the cache-read rate.
///
/// At most four breakpoints per request, the client's own included: a block the client marked
/// is left as it is, and when breakpoints are short the later ones win, since each covers the
/// earlier ones' prefixes.
public struct AnthropicCacheBreakpoints: Sendable {
    public static let limit = 4
    static let marker: JSONValue = ["type": "ephemeral"]

    /// The fewest (estimated) tokens a prefix needs to be worth a breakpoint.
    public let minimumTokens: Int

    public init(minimumTokens: Int) {
        self.minimumTokens = minimumTokens
    }

    /// For an upstream model, with its documented minimum.
    public init(model: String) {
        self.init(minimumTokens: AnthropicCacheMinimum.tokens(for: model))
    }

    private enum Place: Equatable {
        case tools
        case system
        case message(turn: Int, block: Int)
    }

    /// Adds breakpoints to `request.body`. `stablePrefixMessages` is how many of the OpenAI
    /// request's leading messages are stable; nil when unknown (then only the tools and the
    /// system prompt are taken as stable).
    public func place(in request: inout AnthropicRequest, stablePrefixMessages: Int?) {
        var body = request.body
        let available = Self.limit - Self.clientBreakpoints(in: body)
        guard available > 0 else { return }
        let tools = body["tools"]?.arrayValue ?? []
        let toolBytes = tools.isEmpty ? 0 : AnthropicTokenEstimate.bytes(in: .array(tools))
        let systemBytes = body["system"].map(AnthropicTokenEstimate.bytes(in:)) ?? 0

        // A system message after the stable ones is lifted into `system` with them, so the
        // system prompt, and every prefix through it, changes from request to request.
        var systemIsStable = true
        var candidates: [(place: Place, bytes: Int)] = []
        if let count = stablePrefixMessages, count > 0 {
            let ends = request.messageEnds
            systemIsStable = !ends.dropFirst(count).contains(.system)
            if systemIsStable, case .message(let turn, let block)? = ends.prefix(count).last(where: { $0 != nil }) ?? nil {
                let messageBytes = Self.bytes(of: body["messages"]?.arrayValue ?? [], through: turn, block)
                candidates.append((.message(turn: turn, block: block), toolBytes + systemBytes + messageBytes))
            }
        }
        if systemIsStable, body["system"] != nil { candidates.append((.system, toolBytes + systemBytes)) }
        if !tools.isEmpty { candidates.append((.tools, toolBytes)) }

        let chosen = candidates.filter { $0.bytes / 4 >= minimumTokens && Self.canMark($0.place, in: body) }.prefix(available)
        for candidate in chosen { Self.mark(candidate.place, in: &body) }
        request.body = body
    }

    /// The bytes of every block of `messages` up to and including `messages[turn].content[block]`.
    private static func bytes(of messages: [JSONValue], through turn: Int, _ block: Int) -> Int {
        var total = 0
        for (index, message) in messages.prefix(turn + 1).enumerated() {
            let blocks = message["content"]?.arrayValue ?? []
            let counted = index == turn ? blocks.prefix(block + 1) : blocks[...]
            total += counted.reduce(0) { $0 + AnthropicTokenEstimate.bytes(in: $1) }
        }
        return total
    }

    /// Breakpoints the client set on content blocks (and inside tool results).
    static func clientBreakpoints(in body: JSONObject) -> Int {
        func count(_ blocks: [JSONValue]) -> Int {
            blocks.reduce(0) { total, block in
                total + (block["cache_control"].map { $0.isNull ? 0 : 1 } ?? 0) + count(block["content"]?.arrayValue ?? [])
            }
        }
        let messageBlocks = (body["messages"]?.arrayValue ?? []).flatMap { $0["content"]?.arrayValue ?? [] }
        return count(body["tools"]?.arrayValue ?? []) + count(body["system"]?.arrayValue ?? []) + count(messageBlocks)
    }

    /// Whether the block at `place` can take a breakpoint: not one the client marked already,
    /// not an empty text (which Anthropic refuses to mark).
    private static func canMark(_ place: Place, in body: JSONObject) -> Bool {
        let block: JSONValue?
        switch place {
        case .tools: block = body["tools"]?.arrayValue?.last
        case .system: block = body["system"].map { $0.stringValue != nil ? $0 : $0.arrayValue?.last ?? .null }
        case .message(let turn, let index): block = body["messages"]?[turn]?["content"]?[index]
        }
        switch block {
        case .string(let text)?: return !text.isEmpty
        case .object(let object)?: return object["cache_control"] == nil && object["text"] != ""
        default: return false
        }
    }

    private static func mark(_ place: Place, in body: inout JSONObject) {
        switch place {
        case .tools:
            body["tools"] = .array(markingLast(body["tools"]?.arrayValue ?? []))
        case .system:
            if let text = body["system"]?.stringValue {
                body["system"] = [["type": "text", "text": .string(text), "cache_control": marker]]
            } else {
                body["system"] = .array(markingLast(body["system"]?.arrayValue ?? []))
            }
        case .message(let turn, let index):
            guard var messages = body["messages"]?.arrayValue, var message = messages[turn].objectValue,
                var blocks = message["content"]?.arrayValue, var block = blocks[index].objectValue
            else { return }
            block["cache_control"] = marker
            blocks[index] = .object(block)
            message["content"] = .array(blocks)
            messages[turn] = .object(message)
            body["messages"] = .array(messages)
        }
    }

    private static func markingLast(_ values: [JSONValue]) -> [JSONValue] {
        guard var last = values.last?.objectValue else { return values }
        last["cache_control"] = marker
        return values.dropLast() + [.object(last)]
    }
}
