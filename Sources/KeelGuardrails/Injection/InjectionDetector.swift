/// Scores a text for prompt injection and jailbreak attempts. Evidence comes from phrases read
/// after disguises are undone (`InjectionPhrases`), from role markers in the raw text, and from
/// base64 or hex payloads, decoded and read the same way. Each piece of evidence has a weight;
/// the score is `1 - Π(1 - w)` over them (a phrase counts twice at most), so one strong phrase
/// or a few weak ones reach the threshold and a lone weak one (a role tag in a question about
/// chat templates) does not. Words of someone discussing attacks lower the score. The text is
/// one finding when its score reaches the threshold, spanning the evidence, with its signals.
public struct InjectionDetector: WordDetector {
    public static let defaultThreshold = 0.5

    public let threshold: Double

    private static let matcher = PhraseMatcher(InjectionPhrases.entries.enumerated().map { ($0.element.phrase, $0.offset) })
    private static let markerWeight = 0.45
    private static let disguiseWeight = 0.25
    private static let payloadWeight = 0.5
    /// What the score keeps when the text discusses attacks: one word of it, or several.
    private static let discussionFactor = 0.75
    private static let discussionsFactor = 0.55
    /// What the score keeps when a question only quotes an attack phrase (`Why do "ignore
    /// previous instructions" attacks work?`).
    private static let quotedFactor = 0.6
    private static let longestQuote = 80

    public init(threshold: Double = InjectionDetector.defaultThreshold) {
        self.threshold = threshold
    }

    func findings(in text: String, words: NormalizedText) -> [Finding] {
        let assessment = assess(text, words: words)
        guard assessment.score >= threshold, let span = assessment.span else { return [] }
        return [Finding(check: "injection", type: "PROMPT_INJECTION", range: span, score: assessment.score, signals: assessment.signalNames)]
    }

    /// The evidence in `text`, whatever the threshold: for tuning and for tests.
    public func score(_ text: String) -> (score: Double, signals: [String]) {
        let assessment = assess(text)
        return (assessment.score, assessment.signalNames)
    }

    struct Assessment {
        /// Evidence by its source (a phrase's index, or a negative key for markers and payloads).
        private var evidence: [Int: [Double]] = [:]
        private(set) var signals: Set<InjectionSignal> = []
        private(set) var span: Range<Int>?
        private var discussionWords = 0
        /// Short quoted passages of a question; evidence outside them clears `onlyQuoted`.
        var quotes: [Range<Int>] = []
        private var onlyQuoted = true

        mutating func add(_ signal: InjectionSignal, _ weight: Double, source: Int, at range: Range<Int>, repeats: Int = 2) {
            signals.insert(signal)
            guard signal != .discussion else {
                discussionWords += 1
                return
            }
            if !quotes.contains(where: { $0.contains(range.lowerBound) && $0.contains(range.upperBound - 1) }) { onlyQuoted = false }
            var weights = evidence[source] ?? []
            weights.append(weight)
            evidence[source] = Array(weights.sorted(by: >).prefix(repeats))
            span = span.map { min($0.lowerBound, range.lowerBound)..<max($0.upperBound, range.upperBound) } ?? range
        }

        var score: Double {
            var raw = 1 - evidence.values.joined().reduce(1) { $0 * (1 - $1) }
            if onlyQuoted && !quotes.isEmpty { raw *= InjectionDetector.quotedFactor }
            switch discussionWords {
            case 0: return raw
            case 1: return raw * InjectionDetector.discussionFactor
            default: return raw * InjectionDetector.discussionsFactor
            }
        }

        var signalNames: [String] { InjectionSignal.allCases.filter { signals.contains($0) && $0 != .discussion }.map(\.name) }
    }

    private enum Source {
        static let marker = -1
        static let disguise = -2
        static let payload = -3
    }

    func assess(_ text: String, words: NormalizedText? = nil, decodingPayloads: Bool = true) -> Assessment {
        var assessment = Assessment()
        let bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: "?")) { assessment.quotes = Self.quotes(in: bytes) }
        for match in Self.matcher.matches(in: words ?? NormalizedText(text)) {
            let entry = InjectionPhrases.entries[match.tag]
            assessment.add(entry.signal, entry.weight, source: match.tag, at: match.source)
            if match.wasDisguised && entry.signal != .discussion {
                assessment.add(.disguise, Self.disguiseWeight, source: Source.disguise, at: match.source, repeats: 1)
            }
        }
        for marker in RoleMarkers.find(in: bytes) {
            // A template under discussion shows many markers: they count once.
            assessment.add(.delimiter, Self.markerWeight, source: Source.marker, at: marker, repeats: 1)
        }
        guard decodingPayloads else { return assessment }
        for payload in EncodedPayloads.find(in: bytes) {
            let inner = assess(payload.text, decodingPayloads: false)
            guard inner.score > 0 else { continue }
            // What was hidden counts as if written plainly, and hiding it counts on its own.
            assessment.add(.encodedPayload, inner.score, source: Source.payload, at: payload.source)
            assessment.add(.encodedPayload, Self.payloadWeight, source: Source.payload, at: payload.source)
            for signal in inner.signals where signal != .discussion { assessment.add(signal, 0, source: Source.payload, at: payload.source) }
        }
        return assessment
    }

    /// Passages between quotes (double, curly, or single ones that are not apostrophes), up to
    /// `longestQuote` bytes.
    static func quotes(in bytes: [UInt8]) -> [Range<Int>] {
        var quotes: [Range<Int>] = []
        var open: Int?
        var openedBySingle = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == 0xE2 else {
                index += 1
                continue
            }
            let isDouble = byte == UInt8(ascii: "\"")
            let isSingle = byte == UInt8(ascii: "'")
            // U+201C and U+201D: E2 80 9C / E2 80 9D.
            let isCurly = byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80
            let isCurlyOpen = isCurly && bytes[index + 2] == 0x9C
            let isCurlyClose = isCurly && bytes[index + 2] == 0x9D
            let letterBefore = index > 0 && ByteClass.isAlphanumeric(bytes[index - 1])
            let letterAfter = index + 1 < bytes.count && ByteClass.isAlphanumeric(bytes[index + 1])
            if let start = open, (isDouble && !openedBySingle) || isCurlyClose || (isSingle && openedBySingle && !letterAfter) {
                if index - start <= longestQuote { quotes.append(start..<index) }
                open = nil
            } else if open == nil, isDouble || isCurlyOpen || (isSingle && !letterBefore) {
                open = index + (isCurlyOpen ? 3 : 1)
                openedBySingle = isSingle
            }
            index += isCurlyOpen || isCurlyClose ? 3 : 1
        }
        return quotes
    }
}
