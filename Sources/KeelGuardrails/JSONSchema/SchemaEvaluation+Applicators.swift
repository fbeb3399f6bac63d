import KeelCore

/// `anyOf`, `oneOf`, `not` and `if`/`then`/`else`, which try subschemas without reporting
/// their violations directly. (`$ref` and `allOf` simply evaluate in place.)
extension SchemaEvaluation {
    /// Alternatives named in a message, at most; each with the first reason it failed.
    static let maximumListedAlternatives = 5
    /// Per alternative: alternatives nested in alternatives would otherwise multiply the length.
    static let maximumAlternativeCharacters = 160

    mutating func checkAnyOf(_ ids: [SchemaNodeID], _ instance: JSONValue) {
        var failures: [(index: Int, violation: SchemaViolation)] = []
        for (index, id) in ids.enumerated() {
            guard let violation = trial(id, instance).first else { return }
            failures.append((index, violation))
        }
        report("no anyOf alternative matches (\(describe(failures)))")
    }

    mutating func checkOneOf(_ ids: [SchemaNodeID], _ instance: JSONValue) {
        var failures: [(index: Int, violation: SchemaViolation)] = []
        var matches: [Int] = []
        for (index, id) in ids.enumerated() where matches.count < 2 {
            if let violation = trial(id, instance).first {
                failures.append((index, violation))
            } else {
                matches.append(index)
            }
        }
        guard !isAbandoned else { return }
        if matches.isEmpty {
            report("no oneOf alternative matches (\(describe(failures)))")
        } else if matches.count > 1 {
            report("matches more than one oneOf alternative (#\(matches[0]) and #\(matches[1])), but exactly one must match")
        }
    }

    mutating func checkNot(_ id: SchemaNodeID, _ instance: JSONValue) {
        guard trial(id, instance).isEmpty, !isAbandoned else { return }
        report("matches the schema under 'not', which it must not")
    }

    mutating func checkConditional(_ conditional: SchemaKeyword.Conditional, _ instance: JSONValue) {
        let holds = trial(conditional.condition, instance).isEmpty
        guard let id = holds ? conditional.then : conditional.otherwise else { return }
        evaluate(id, instance)
    }

    /// `#0: expected string, got number; #1: $.a: missing required property 'b'`: the path only
    /// where the alternative failed below the current value.
    private func describe(_ failures: [(index: Int, violation: SchemaViolation)]) -> String {
        let here = renderedPath
        var parts = failures.prefix(Self.maximumListedAlternatives).map { failure in
            let violation = failure.violation
            let reason = violation.path == here ? violation.message : violation.description
            return "#\(failure.index): " + ValueDescription.truncated(reason, to: Self.maximumAlternativeCharacters)
        }
        if failures.count > Self.maximumListedAlternatives { parts.append("...") }
        return parts.joined(separator: "; ")
    }
}
