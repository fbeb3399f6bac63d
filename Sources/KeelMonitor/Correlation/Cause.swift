import Foundation
import KeelCore

/// A likely cause of an incident, with the evidence for it and how strongly it is believed
/// (0...1): a change in the incident's scope shortly before the breach, or a signal that moved
/// with it (a target's error burst, a key whose tokens jumped, a prompt version that grew).
public struct Cause: Sendable, Equatable {
    public var kind: String
    public var title: String
    public var at: Date?
    public var confidence: Double
    public var evidence: JSONObject

    public init(kind: String, title: String, at: Date? = nil, confidence: Double, evidence: JSONObject = [:]) {
        self.kind = kind
        self.title = title
        self.at = at
        self.confidence = confidence
        self.evidence = evidence
    }

    public var json: JSONValue {
        [
            "kind": .string(kind), "title": .string(title), "at": at.map { .string(Incident.format($0)) } ?? .null,
            "confidence": .double((confidence * 100).rounded() / 100), "evidence": .object(evidence),
        ]
    }

    public init?(json: JSONValue) {
        guard let kind = json["kind"]?.stringValue, let title = json["title"]?.stringValue else { return nil }
        self.init(
            kind: kind, title: title, at: Incident.date(json["at"]), confidence: json["confidence"]?.doubleValue ?? 0,
            evidence: json["evidence"]?.objectValue ?? [:])
    }
}
