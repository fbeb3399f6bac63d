/// One thing a detector found in a text: what it is, where (UTF-8 byte offsets), how sure.
public struct Finding: Sendable, Equatable {
    /// The check that found it: `pii`, `secrets`, ...
    public var check: String
    /// What was found, as its redaction placeholder names it: `EMAIL`, `CREDIT_CARD`, `OPENAI_KEY`...
    public var type: String
    /// Byte offsets into the text's UTF-8.
    public var range: Range<Int>
    /// 0...1; detectors that validate (Luhn, mod-97) are sure.
    public var score: Double
    /// The evidence behind a scored finding (`override`, `prompt_leak`...), for the trace.
    public var signals: [String]

    public init(check: String, type: String, range: Range<Int>, score: Double = 1, signals: [String] = []) {
        self.check = check
        self.type = type
        self.range = range
        self.score = score
        self.signals = signals
    }
}

/// A check over text: a pure function, cheap enough to run on every request.
public protocol TextDetector: Sendable {
    func findings(in text: String) -> [Finding]
}

/// A check that reads the text's words once disguises are undone; an engine with several of
/// them reads the text once for all.
protocol WordDetector: TextDetector {
    func findings(in text: String, words: NormalizedText) -> [Finding]
}

extension WordDetector {
    public func findings(in text: String) -> [Finding] { findings(in: text, words: NormalizedText(text)) }
}

/// Replaces what was found with typed placeholders (`[EMAIL]`); overlapping findings merge
/// into the first one's placeholder.
public enum Redaction {
    public static func redact(_ text: String, _ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for finding in findings.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            guard finding.range.lowerBound >= position else {
                position = max(position, finding.range.upperBound)
                continue
            }
            output += bytes[position..<finding.range.lowerBound]
            output += Array("[\(finding.type)]".utf8)
            position = finding.range.upperBound
        }
        output += bytes[min(position, bytes.count)...]
        return String(decoding: output, as: UTF8.self)
    }
}
