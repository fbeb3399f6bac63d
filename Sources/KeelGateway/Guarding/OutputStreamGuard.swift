import KeelCore
import KeelGuardrails

/// The output checks of a streamed answer, chunk by chunk. Text checks see each choice's text
/// through a sliding window (`StreamingInspector`): what is released is redacted, and a blocking
/// finding ends the stream with an error event before any of it is sent. A schema check holds
/// the whole answer back until the choice ends and releases it only if it follows the schema.
struct OutputStreamGuard: Sendable {
    private var inspector: StreamingInspector?
    private let schema: SchemaGuard?
    /// Each choice's whole text, for the schema check.
    private var answers: [Int: String] = [:]
    private var ended: Set<Int> = []
    /// A chunk to copy `id`, `model` and `created` from, for the text released at the end.
    private var template: JSONObject = [:]
    private(set) var verdicts: [GuardVerdict] = []

    init?(policy: OutputPolicy, schema: SchemaGuard?) {
        guard policy.text != nil || schema != nil else { return nil }
        let engine = policy.text ?? GuardEngine(rules: [])
        // A schema check needs the whole answer: nothing is released before the choice ends.
        inspector = StreamingInspector(engine: engine, window: schema == nil ? policy.window : nil)
        self.schema = schema
    }

    /// The chunk as the client may see it (nil to drop it); throws when the stream must stop.
    mutating func filter(_ chunk: JSONValue) throws(KeelError) -> JSONValue? {
        guard case .object(var object) = chunk, var choices = object["choices"]?.arrayValue, !choices.isEmpty else { return chunk }
        if template.isEmpty { template = object.filter { ["id", "object", "created", "model", "system_fingerprint"].contains($0.key) } }
        var keep = object["usage"].map { !$0.isNull } ?? false
        for (position, choice) in choices.enumerated() {
            guard case .object(var choiceObject) = choice else { continue }
            let index = choiceObject["index"]?.intValue ?? position
            var delta = choiceObject["delta"]?.objectValue ?? [:]
            var released = ""
            if let content = delta["content"]?.stringValue, !content.isEmpty {
                answers[index, default: ""] += content
                released += try release(inspector?.append(content, choice: index))
            }
            if let reason = choiceObject["finish_reason"], !reason.isNull {
                try checkSchema(choice: index)
                released += try release(inspector?.finish(choice: index))
                ended.insert(index)
            }
            if delta["content"] != nil || !released.isEmpty { delta["content"] = .string(released) }
            if released.isEmpty, delta["content"]?.stringValue == "" { delta["content"] = nil }
            choiceObject["delta"] = .object(delta)
            choices[position] = .object(choiceObject)
            keep = keep || !delta.isEmpty || !(choiceObject["finish_reason"]?.isNull ?? true)
        }
        guard keep else { return nil }
        object["choices"] = .array(choices)
        return .object(object)
    }

    /// The text still held back when the stream ends without a finish reason.
    mutating func finish() throws(KeelError) -> [JSONValue] {
        var chunks: [JSONValue] = []
        for index in (inspector?.pendingChoices ?? []) where !ended.contains(index) {
            try checkSchema(choice: index)
            let text = try release(inspector?.finish(choice: index))
            guard !text.isEmpty else { continue }
            var chunk = template
            chunk["choices"] = [["index": .int(Int64(index)), "delta": ["content": .string(text)], "finish_reason": nil]]
            chunks.append(.object(chunk))
        }
        return chunks
    }

    private mutating func release(_ release: StreamingInspector.Release?) throws(KeelError) -> String {
        guard let release else { return "" }
        verdicts += release.verdicts
        if let blocking = release.blocking { throw OutputGuard.withheldError(blocking) }
        return release.text
    }

    private mutating func checkSchema(choice index: Int) throws(KeelError) {
        guard let schema, !ended.contains(index) else { return }
        let content = answers[index] ?? ""
        let violations = schema.violations(of: content)
        guard !violations.isEmpty else { return }
        let verdict = schema.verdict(violations, content: content, location: "choices[\(index)].delta.content")
        verdicts.append(verdict)
        if schema.action == .block { throw SchemaGuard.withheldError(verdict, attempts: 1) }
    }
}
