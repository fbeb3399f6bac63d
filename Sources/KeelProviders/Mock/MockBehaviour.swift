import KeelCore

/// How the mock provider should misbehave, read from the requested upstream model name and from
/// `x-mock-*` headers. Model names are `+`-separated directives; unknown ones are ignored, so a
/// test can add a tag of its own: `fail-503+times-2+tag-abc`.
///
/// | directive            | header                    | effect                                        |
/// |----------------------|---------------------------|-----------------------------------------------|
/// | `fail-STATUS`        | `x-mock-fail: STATUS`     | answer with that HTTP error                   |
/// | `times-N`            | `x-mock-fail-times: N`    | only the first N requests fail                |
/// | `retry-after-S`      | `x-mock-retry-after: S`   | send `Retry-After: S` with the error          |
/// | `slow-MS`            | `x-mock-delay-ms: MS`     | wait before answering (before the first chunk)|
/// | `chunk-delay-MS`     | `x-mock-chunk-delay-ms`   | wait between stream chunks                    |
/// | `hang`               | `x-mock-hang: true`       | never answer                                  |
/// | `stream-fail-after-N`| `x-mock-stream-fail-after`| break a stream after N chunks                 |
/// | `reply-TEXT`         | `x-mock-reply: TEXT`      | answer TEXT instead of echoing                |
/// | `judge`              |                           | grade a Keel judge prompt (see `MockJudge`)   |
/// |                      | `x-mock-replies: JSON`    | a JSON array of texts: the Nth request with   |
/// |                      |                           | this header gets the Nth (the last one after) |
/// |                      | `x-mock-response-model: M`| answer as model version M                     |
public struct MockBehaviour: Sendable, Equatable {
    public var failStatus: Int?
    public var failTimes: Int?
    public var retryAfterSeconds: Int?
    public var delayMs: Int = 0
    public var chunkDelayMs: Int = 0
    public var hang = false
    public var streamFailAfter: Int?
    public var replyText: String?
    /// Texts answered in turn by the requests that carry the same list.
    public var replySequence: [String]?
    public var responseModel: String?
    /// A failure's message quotes the credentials the request carried, as a careless provider's
    /// does: for tests that no provider key reaches a trace, a log or a span.
    public var echoKey = false
    /// Answer as a judge: the verdict object for the judge prompt in the last user message.
    public var judge = false

    public init() {}

    public static func parse(model: String, headers: [String: String]) -> MockBehaviour {
        var behaviour = MockBehaviour()
        for directive in model.split(separator: "+") {
            behaviour.apply(directive: directive)
        }
        behaviour.apply(headers: headers)
        return behaviour
    }

    private mutating func apply(directive: Substring) {
        func number(after prefix: String) -> Int? {
            directive.hasPrefix(prefix) ? Int(directive.dropFirst(prefix.count)) : nil
        }
        if directive == "hang" { hang = true }
        if directive == "echo-key" { echoKey = true }
        if directive == "judge" { judge = true }
        if directive.hasPrefix("reply-") { replyText = String(directive.dropFirst("reply-".count)) }
        if let value = number(after: "fail-") { failStatus = value }
        if let value = number(after: "times-") { failTimes = value }
        if let value = number(after: "retry-after-") { retryAfterSeconds = value }
        if let value = number(after: "slow-") { delayMs = value }
        if let value = number(after: "chunk-delay-") { chunkDelayMs = value }
        if let value = number(after: "stream-fail-after-") { streamFailAfter = value }
    }

    private mutating func apply(headers: [String: String]) {
        if let value = headers["x-mock-fail"].flatMap(Int.init) { failStatus = value }
        if let value = headers["x-mock-fail-times"].flatMap(Int.init) { failTimes = value }
        if let value = headers["x-mock-retry-after"].flatMap(Int.init) { retryAfterSeconds = value }
        if let value = headers["x-mock-delay-ms"].flatMap(Int.init) { delayMs = value }
        if let value = headers["x-mock-chunk-delay-ms"].flatMap(Int.init) { chunkDelayMs = value }
        if let value = headers["x-mock-hang"] { hang = ["1", "true", "yes"].contains(value.lowercased()) }
        if let value = headers["x-mock-stream-fail-after"].flatMap(Int.init) { streamFailAfter = value }
        if let value = headers["x-mock-reply"] { replyText = value }
        if let value = headers["x-mock-replies"], let list = (try? JSONValue.parse(value))?.arrayValue?.compactMap(\.stringValue), !list.isEmpty {
            replySequence = list
        }
        if let value = headers["x-mock-response-model"] { responseModel = value }
        if let value = headers["x-mock-echo-key"] { echoKey = ["1", "true", "yes"].contains(value.lowercased()) }
    }
}
