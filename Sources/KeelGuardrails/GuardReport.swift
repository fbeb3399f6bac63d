import KeelCore

/// A policy run on one text, for tuning a policy (`keel guard`, `POST /api/guard`): every
/// verdict with the text it matched, and the text as the provider and the store would see it.
public struct GuardReport: Sendable {
    public let text: String
    public let verdicts: [GuardVerdict]
    public let forwarded: String
    public let stored: String

    public init(engine: GuardEngine, text: String) {
        self.text = text
        (verdicts, forwarded, stored) = engine.inspect(text, location: "text")
    }

    public var blocked: Bool { verdicts.contains { $0.action == .block } }

    public func match(_ verdict: GuardVerdict) -> String {
        let bytes = Array(text.utf8)
        return String(decoding: bytes[verdict.finding.range.clamped(to: 0..<bytes.count)], as: UTF8.self)
    }

    public var json: JSONValue {
        let verdicts = verdicts.map { verdict -> JSONValue in
            var object = verdict.json.objectValue ?? [:]
            object["match"] = .string(match(verdict))
            return .object(object)
        }
        return ["blocked": .bool(blocked), "verdicts": .array(verdicts), "forwarded": .string(forwarded), "stored": .string(stored)]
    }
}
