import Foundation
import KeelCore

/// What a rollout changes, how traffic moves to the change, and what stops it. Stored as JSON
/// (`json` and `init(json:)`), and never changed after the start: what changes is `RolloutState`.
public struct RolloutSpec: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        /// A prompt's label moving from one version to another.
        case prompt(name: String, label: String, stable: Int, candidate: Int)
        /// A Keel model name getting a new upstream: `candidateTarget` is "provider/upstream_model".
        case model(name: String, candidateTarget: String)

        /// One active rollout per key: "prompt:support-reply:production", "model:smart".
        public var key: String {
            switch self {
            case .prompt(let name, let label, _, _): return "prompt:\(name):\(label)"
            case .model(let name, _): return "model:\(name)"
            }
        }
    }

    public enum Advance: Sendable, Hashable {
        /// After the candidate has served this many requests in the step.
        case requests(Int)
        /// After this many minutes in the step.
        case minutes(Double)
    }

    public enum Mode: Sendable, Hashable {
        /// The candidate serves `steps[i]` percent of the traffic (the last step is 100, which
        /// is promotion), moving on as `advance` says and the analysis passes.
        case canary(steps: [Double], advance: Advance)
        /// The candidate answers a copy of every request after the client has its answer;
        /// nothing it says is returned. Promotion is manual; a failing guard still aborts.
        case shadow
    }

    public enum Sticky: String, Sendable, Hashable, CaseIterable {
        case none
        /// The body's `user`, else the `x-keel-user` header.
        case user
        /// The `x-keel-session` header.
        case session

        /// The request's sticky key: `bodyUser` is the chat body's `user`; `headers` are
        /// lower-cased. Nil when the request has none (the arm is then drawn at random).
        public func key(bodyUser: String?, headers: [String: String]) -> String? {
            let key: String?
            switch self {
            case .none: key = nil
            case .user: key = bodyUser.flatMap { $0.isEmpty ? nil : $0 } ?? headers["x-keel-user"]
            case .session: key = headers["x-keel-session"]
            }
            return key?.isEmpty == false ? key : nil
        }
    }

    public var id: String
    public var subject: Subject
    public var mode: Mode
    public var sticky: Sticky
    public var guards: RolloutGuards
    public var createdAt: Date

    public init(id: String, subject: Subject, mode: Mode, sticky: Sticky = .none, guards: RolloutGuards = .standard, createdAt: Date) {
        self.id = id
        self.subject = subject
        self.mode = mode
        self.sticky = sticky
        self.guards = guards
        self.createdAt = createdAt
    }

    public static let defaultSteps: [Double] = [5, 25, 50, 100]
    public static let defaultAdvance = Advance.requests(200)

    /// A new rollout id: "ro_" and 12 random hex digits.
    public static func newID() -> String {
        "ro_" + IdentifierRandom.hex(bytes: 6)
    }

    /// Steps as given, checked: increasing percentages in (0, 100], ending at 100 (added when
    /// missing, since the last step is the promotion).
    public static func validSteps(_ steps: [Double], name: String = "steps") throws(RolloutConfigError) -> [Double] {
        guard !steps.isEmpty else { throw RolloutConfigError("\(name): give at least one step, e.g. 5,25,50,100") }
        for (index, step) in steps.enumerated() {
            guard step > 0, step <= 100, step.isFinite else {
                throw RolloutConfigError("\(name): each step is a percentage above 0 and at most 100 (got \(Self.text(step)))")
            }
            if index > 0 && step <= steps[index - 1] {
                throw RolloutConfigError("\(name): steps must increase (\(Self.text(steps[index - 1])) then \(Self.text(step)))")
            }
        }
        return steps.last == 100 ? steps : steps + [100]
    }

    static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

extension RolloutSpec {
    public var json: JSONValue {
        let subjectJSON: JSONValue
        switch subject {
        case .prompt(let name, let label, let stable, let candidate):
            subjectJSON = [
                "kind": "prompt", "name": .string(name), "label": .string(label), "stable": .int(Int64(stable)), "candidate": .int(Int64(candidate)),
            ]
        case .model(let name, let candidateTarget):
            subjectJSON = ["kind": "model", "name": .string(name), "candidate_target": .string(candidateTarget)]
        }
        let modeJSON: JSONValue
        switch mode {
        case .canary(let steps, let advance):
            let advanceJSON: JSONValue
            switch advance {
            case .requests(let count): advanceJSON = ["requests": .int(Int64(count))]
            case .minutes(let minutes): advanceJSON = ["minutes": .double(minutes)]
            }
            modeJSON = ["kind": "canary", "steps": .array(steps.map(JSONValue.double)), "advance": advanceJSON]
        case .shadow:
            modeJSON = ["kind": "shadow"]
        }
        return [
            "id": .string(id), "subject": subjectJSON, "mode": modeJSON, "sticky": .string(sticky.rawValue), "guards": .object(guards.json),
            "created_at": .double(createdAt.timeIntervalSince1970),
        ]
    }

    /// Reads `json` back; an error names the field that is wrong.
    public init(json: JSONValue) throws(RolloutConfigError) {
        func field<T>(_ value: T?, _ name: String) throws(RolloutConfigError) -> T {
            guard let value else { throw RolloutConfigError("rollout spec: missing or invalid '\(name)'") }
            return value
        }
        id = try field(json["id"]?.stringValue, "id")
        let subjectJSON = try field(json["subject"]?.objectValue, "subject")
        let name = try field(subjectJSON["name"]?.stringValue, "subject.name")
        switch subjectJSON["kind"]?.stringValue {
        case "prompt":
            subject = .prompt(
                name: name, label: try field(subjectJSON["label"]?.stringValue, "subject.label"),
                stable: try field(subjectJSON["stable"]?.intValue, "subject.stable"),
                candidate: try field(subjectJSON["candidate"]?.intValue, "subject.candidate"))
        case "model":
            subject = .model(name: name, candidateTarget: try field(subjectJSON["candidate_target"]?.stringValue, "subject.candidate_target"))
        default:
            throw RolloutConfigError("rollout spec: 'subject.kind' must be prompt or model")
        }
        let modeJSON = try field(json["mode"]?.objectValue, "mode")
        switch modeJSON["kind"]?.stringValue {
        case "canary":
            let steps = try field(modeJSON["steps"]?.arrayValue?.compactMap(\.doubleValue), "mode.steps")
            let advance: Advance
            if let count = modeJSON["advance"]?["requests"]?.intValue {
                advance = .requests(count)
            } else {
                advance = .minutes(try field(modeJSON["advance"]?["minutes"]?.doubleValue, "mode.advance"))
            }
            mode = .canary(steps: try Self.validSteps(steps, name: "rollout spec: mode.steps"), advance: advance)
        case "shadow":
            mode = .shadow
        default:
            throw RolloutConfigError("rollout spec: 'mode.kind' must be canary or shadow")
        }
        sticky = try field(json["sticky"]?.stringValue.flatMap(Sticky.init(rawValue:)), "sticky")
        guards = try RolloutGuards(defaults: json["guards"]?.objectValue ?? [:], path: "rollout spec: guards")
        createdAt = Date(timeIntervalSince1970: try field(json["created_at"]?.doubleValue, "created_at"))
    }
}
