import Foundation
import KeelGuardrails
import Testing

/// The detectors against the labelled corpus in `Corpus/`. The floors are the documented
/// quality of each detector (README, Guardrails): a change that lowers one fails here.
@Suite struct CorpusTests {
    /// Prints every miss and false alarm, for tuning: `KEEL_CORPUS_REPORT=1 swift test --filter CorpusTests`.
    static let report = ProcessInfo.processInfo.environment["KEEL_CORPUS_REPORT"] != nil

    /// Detection over a labelled set: recall per style, false alarms, and the misses when reporting.
    struct Measure {
        var attacks = 0
        var detected = 0
        var benign = 0
        var falseAlarms = 0
        var missedByStyle: [String: Int] = [:]
        var countByStyle: [String: Int] = [:]

        var recall: Double { Double(detected) / Double(attacks) }
        var precision: Double { Double(detected) / Double(detected + falseAlarms) }
        var falseAlarmRate: Double { Double(falseAlarms) / Double(benign) }

        func recall(of style: String) -> Double { 1 - Double(missedByStyle[style] ?? 0) / Double(countByStyle[style] ?? 1) }

        /// Recall over the styles `include` picks: 0 when it picks none.
        func recall(where include: (String) -> Bool) -> Double {
            let styles = countByStyle.keys.filter(include)
            let count = styles.reduce(0) { $0 + countByStyle[$1, default: 0] }
            let missed = styles.reduce(0) { $0 + missedByStyle[$1, default: 0] }
            return count == 0 ? 0 : 1 - Double(missed) / Double(count)
        }

        init(attacks attackFile: String, benign benignFile: String) throws {
            let detector = InjectionDetector()
            for (text, style) in try LabelledCorpus.texts(attackFile) {
                attacks += 1
                countByStyle[style, default: 0] += 1
                if detector.findings(in: text).isEmpty {
                    missedByStyle[style, default: 0] += 1
                    if CorpusTests.report {
                        print("MISS [\(style)] \(detector.score(text)) \(text.prefix(400).replacingOccurrences(of: "\n", with: "⏎"))")
                    }
                } else {
                    detected += 1
                }
            }
            for (text, kind) in try LabelledCorpus.texts(benignFile) {
                benign += 1
                guard !detector.findings(in: text).isEmpty else { continue }
                falseAlarms += 1
                if CorpusTests.report {
                    print("FALSE [\(kind)] \(detector.score(text)) \(text.prefix(400).replacingOccurrences(of: "\n", with: "⏎"))")
                }
            }
            if CorpusTests.report {
                print("\(attackFile): recall \(recall), precision \(precision), false alarms \(falseAlarms)/\(benign)")
                for style in countByStyle.keys.sorted() { print("  \(style): missed \(missedByStyle[style] ?? 0) of \(countByStyle[style]!)") }
            }
        }
    }

    /// The set the phrase lists were tuned on: it must stay caught.
    @Test func injectionRecallAndFalseAlarms() throws {
        let measure = try Measure(attacks: "injection.jsonl", benign: "benign.jsonl")
        #expect(measure.attacks >= 300 && measure.benign >= 300)
        #expect(measure.recall >= 0.95, "recall \(measure.recall)")
        #expect(measure.precision >= 0.98, "precision \(measure.precision)")
        #expect(measure.falseAlarmRate <= 0.02, "false alarm rate \(measure.falseAlarmRate)")
        for style in measure.countByStyle.keys {
            #expect(measure.recall(of: style) >= 0.7, "\(style): recall \(measure.recall(of: style))")
        }
    }

    /// The first held-out set: measured before tuning (recall 0.74), then tuned on.
    @Test func injectionOnFirstHeldOutSet() throws {
        let measure = try Measure(attacks: "heldout-injection.jsonl", benign: "heldout-benign.jsonl")
        #expect(measure.attacks >= 150 && measure.benign >= 150)
        #expect(measure.recall >= 0.95, "recall \(measure.recall)")
        #expect(measure.falseAlarmRate <= 0.02, "false alarm rate \(measure.falseAlarmRate)")
    }

    /// The second held-out set, never tuned on: how the detector generalises.
    @Test func injectionOnSecondHeldOutSet() throws {
        let measure = try Measure(attacks: "heldout2-injection.jsonl", benign: "heldout2-benign.jsonl")
        #expect(measure.attacks >= 150 && measure.benign >= 150)
        #expect(measure.recall >= 0.7, "recall \(measure.recall)")
        #expect(measure.falseAlarmRate <= 0.03, "false alarm rate \(measure.falseAlarmRate)")
    }

    /// The third held-out set: long posted jailbreaks and indirect injections in documents, emails,
    /// web pages, tool results and code. Committed (783a74e) before it was first measured, and
    /// never tuned on: recall 0.566 (posted 0.638, indirect 0.500), 8 false alarms of 122 (0.066).
    @Test func injectionOnThirdHeldOutSet() throws {
        let measure = try Measure(attacks: "heldout3-injection.jsonl", benign: "heldout3-benign.jsonl")
        #expect(measure.attacks >= 120 && measure.benign >= 120)
        #expect(measure.recall >= 0.53, "recall \(measure.recall)")
        #expect(measure.falseAlarmRate <= 0.08, "false alarm rate \(measure.falseAlarmRate)")
        let posted = measure.recall { !$0.hasPrefix("indirect-") }
        let indirect = measure.recall { $0.hasPrefix("indirect-") }
        #expect(posted >= 0.6, "recall on posted jailbreaks \(posted)")
        #expect(indirect >= 0.45, "recall on indirect injections \(indirect)")
    }

    @Test func piiRecallAndFalseAlarms() throws {
        let detector = PIIDetector()
        let positives = try LabelledCorpus.load("pii-positives.jsonl")
        let negatives = try LabelledCorpus.texts("pii-negatives.jsonl")
        #expect(positives.count >= 150 && negatives.count >= 150)
        var found = 0
        for item in positives {
            let text = item["text"]?.stringValue ?? ""
            let value = item["value"]?.stringValue ?? ""
            guard let range = text.range(of: value) else { continue }
            let start = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
            let span = start..<(start + value.utf8.count)
            if detector.findings(in: text).contains(where: { $0.range.overlaps(span) }) {
                found += 1
            } else if Self.report {
                print("PII MISS [\(item["type"]?.stringValue ?? "")] \(text)")
            }
        }
        var falseAlarms = 0
        for (text, kind) in negatives {
            let findings = detector.findings(in: text)
            guard !findings.isEmpty else { continue }
            falseAlarms += 1
            if Self.report { print("PII FALSE [\(kind)] \(findings.map(\.type)) \(text)") }
        }
        let recall = Double(found) / Double(positives.count)
        let falseAlarmRate = Double(falseAlarms) / Double(negatives.count)
        if Self.report { print("pii: recall \(recall), false alarms \(falseAlarms)/\(negatives.count)") }
        #expect(recall >= 0.97, "recall \(recall)")
        #expect(falseAlarmRate <= 0.02, "false alarm rate \(falseAlarmRate)")
    }
}
