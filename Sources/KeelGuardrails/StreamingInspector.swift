/// Output checks on a streamed answer. Each choice's newest text is held back by `window`
/// bytes; what lies before it is checked, redacted and released. A finding that runs into the
/// held-back text holds its start back too, so a card number or a key cut across two chunks is
/// redacted whole, and a blocking finding stops the stream before any of it is released.
public struct StreamingInspector: Sendable {
    public struct Release: Sendable {
        /// Text the client may see now, redactions applied.
        public var text = ""
        /// Verdicts on that text, positioned in the choice's whole answer.
        public var verdicts: [GuardVerdict] = []
        /// Set when the stream must stop: nothing after the last release may reach the client.
        public var blocking: GuardVerdict?
    }

    private let engine: GuardEngine
    private let window: Int
    private var pending: [Int: [UInt8]] = [:]
    private var released: [Int: Int] = [:]

    /// A `window` of nil holds the whole answer back until it ends.
    public init(engine: GuardEngine, window: Int?) {
        self.engine = engine
        self.window = window ?? Int.max
    }

    public var hasPendingText: Bool { pending.values.contains { !$0.isEmpty } }

    public var pendingChoices: [Int] { pending.filter { !$0.value.isEmpty }.keys.sorted() }

    public mutating func append(_ text: String, choice: Int) -> Release {
        pending[choice, default: []] += Array(text.utf8)
        let bytes = pending[choice]!
        guard bytes.count > window || window == Int.max else { return Release() }
        return release(choice: choice, upTo: window == Int.max ? nil : bytes.count - window)
    }

    /// The rest of a choice's text, at its end.
    public mutating func finish(choice: Int) -> Release {
        release(choice: choice, upTo: pending[choice]?.count ?? 0)
    }

    /// Checks the choice's pending text; releases up to `cut` (nil: release nothing, only check).
    private mutating func release(choice: Int, upTo cut: Int?) -> Release {
        let bytes = pending[choice] ?? []
        let offset = released[choice] ?? 0
        let location = "choices[\(choice)].delta.content"
        let verdicts = engine.inspect(String(decoding: bytes, as: UTF8.self), location: location).verdicts
        if let blocking = verdicts.first(where: { $0.action == .block }) {
            pending[choice] = []
            return Release(verdicts: [Self.shifted(blocking, by: offset)], blocking: blocking)
        }
        guard var cut else { return Release() }
        // Never cut through a finding, nor through a character.
        var moved = true
        while moved {
            moved = false
            for verdict in verdicts where verdict.finding.range.lowerBound < cut && verdict.finding.range.upperBound > cut {
                cut = verdict.finding.range.lowerBound
                moved = true
            }
        }
        while cut > 0, cut < bytes.count, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        guard cut > 0 else { return Release() }
        let settled = verdicts.filter { $0.finding.range.upperBound <= cut }
        let text = Redaction.redact(String(decoding: bytes[..<cut], as: UTF8.self), settled.filter { $0.action != .flag }.map(\.finding))
        pending[choice] = Array(bytes[cut...])
        released[choice] = offset + cut
        return Release(text: text, verdicts: settled.map { Self.shifted($0, by: offset) })
    }

    private static func shifted(_ verdict: GuardVerdict, by offset: Int) -> GuardVerdict {
        var verdict = verdict
        let range = verdict.finding.range
        verdict.finding.range = (range.lowerBound + offset)..<(range.upperBound + offset)
        return verdict
    }
}
