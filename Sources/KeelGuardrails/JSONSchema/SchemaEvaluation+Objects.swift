import KeelCore

/// The keywords for objects. Properties are visited in key order, so that violations come out
/// in the same order on every run.
extension SchemaEvaluation {
    mutating func checkProperties(_ rules: SchemaKeyword.PropertyRules, _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        for (key, value) in object.sorted(by: { $0.key < $1.key }) where !isFinished {
            var isDeclared = false
            if let id = rules.named[key] {
                isDeclared = true
                descend(into: .key(key), id, value)
            }
            for (regex, id) in rules.patterns where regex.matches(key) {
                isDeclared = true
                descend(into: .key(key), id, value)
            }
            guard !isDeclared, let additional = rules.additional else { continue }
            if schema[additional].rejectsEverything {
                report("unexpected property '\(key)'")
            } else {
                descend(into: .key(key), additional, value)
            }
        }
    }

    mutating func checkRequired(_ names: [String], _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        for name in names where object[name] == nil {
            report("missing required property '\(name)'")
        }
    }

    mutating func checkPropertyCount(_ range: SchemaKeyword.CountRange, _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        if let minimum = range.minimum, object.count < minimum {
            report("object has too few properties: \(object.count), minimum \(minimum)")
        }
        if let maximum = range.maximum, object.count > maximum {
            report("object has too many properties: \(object.count), maximum \(maximum)")
        }
    }

    mutating func checkPropertyNames(_ id: SchemaNodeID, _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        for key in object.keys.sorted() where !isFinished {
            guard let problem = trial(propertyName: key, id).first else { continue }
            report("property name '\(key)' is invalid: \(problem.message)")
        }
    }

    mutating func checkDependentRequired(_ dependencies: [String: [String]], _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        for (trigger, names) in dependencies.sorted(by: { $0.key < $1.key }) where object[trigger] != nil {
            for name in names where object[name] == nil {
                report("missing property '\(name)', which is required when '\(trigger)' is present")
            }
        }
    }

    mutating func checkDependentSchemas(_ dependencies: [String: SchemaNodeID], _ instance: JSONValue) {
        guard case .object(let object) = instance else { return }
        for (trigger, id) in dependencies.sorted(by: { $0.key < $1.key }) where object[trigger] != nil {
            evaluate(id, instance)
        }
    }
}
