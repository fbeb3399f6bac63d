import Foundation
import KeelCore

/// What a detector found wrong with one scope, now.
public struct Finding: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case sloBurn = "slo_burn"
        case targetErrors = "target_errors"
        case costPerRequest = "cost_per_request"
        case tokensPerRequest = "tokens_per_request"
        case quality
        case modelVersionChanged = "model_version_changed"
        case budget
    }

    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case info, warning, error, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Where: a dimension of the signals and its value (`target` `down/gpt-4o`).
    public struct Scope: Sendable, Hashable {
        public var dimension: SignalDimension
        public var value: String

        public init(_ dimension: SignalDimension, _ value: String) {
            self.dimension = dimension
            self.value = value
        }

        public var json: JSONValue { [dimension.rawValue: .string(value)] }
    }

    public var kind: Kind
    public var scope: Scope
    public var severity: Severity
    public var title: String
    /// The figures behind it: the window, the sample, the measure and its threshold.
    public var figures: JSONObject

    public init(kind: Kind, scope: Scope, severity: Severity, title: String, figures: JSONObject) {
        self.kind = kind
        self.scope = scope
        self.severity = severity
        self.title = title
        self.figures = figures
    }

    /// Tells apart findings of one kind and scope (two SLOs of one model).
    public var discriminator: String?

    /// One incident per cause and scope while it is open.
    public var dedupKey: String {
        "\(kind.rawValue):\(scope.dimension.rawValue):\(scope.value)" + (discriminator.map { ":" + $0 } ?? "")
    }
}

/// Looks at the signals and says what is wrong now.
public protocol Detector: Sendable {
    func findings(in book: SignalBook, now: Date) -> [Finding]
}
