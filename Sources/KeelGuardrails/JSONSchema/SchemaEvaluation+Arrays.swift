import KeelCore

/// The keywords for arrays.
extension SchemaEvaluation {
    mutating func checkItems(_ rules: SchemaKeyword.ItemRules, _ instance: JSONValue) {
        guard case .array(let items) = instance else { return }
        for (index, item) in items.enumerated() where !isFinished {
            if index < rules.prefix.count {
                descend(into: .index(index), rules.prefix[index], item)
            } else if let rest = rules.rest {
                guard !schema[rest].rejectsEverything else {
                    return report("array is too long: \(ValueDescription.counted(items.count, "item")), maximum \(rules.prefix.count)")
                }
                descend(into: .index(index), rest, item)
            }
        }
    }

    mutating func checkItemCount(_ range: SchemaKeyword.CountRange, _ instance: JSONValue) {
        guard case .array(let items) = instance else { return }
        if let minimum = range.minimum, items.count < minimum {
            report("array is too short: \(ValueDescription.counted(items.count, "item")), minimum \(minimum)")
        }
        if let maximum = range.maximum, items.count > maximum {
            report("array is too long: \(ValueDescription.counted(items.count, "item")), maximum \(maximum)")
        }
    }

    /// Linear: items are compared through their canonical forms' hashes.
    mutating func checkUniqueItems(_ instance: JSONValue) {
        guard case .array(let items) = instance else { return }
        var firstIndex: [CanonicalJSON: Int] = [:]
        for (index, item) in items.enumerated() {
            if let earlier = firstIndex.updateValue(index, forKey: CanonicalJSON(item)) {
                return report("items [\(earlier)] and [\(index)] are equal, but items must be unique")
            }
        }
    }

    mutating func checkContains(_ rule: SchemaKeyword.ContainsRule, _ instance: JSONValue) {
        guard case .array(let items) = instance else { return }
        var matches = 0
        for (index, item) in items.enumerated() where !isAbandoned {
            if trial(child: .index(index), rule.schema, item).isEmpty { matches += 1 }
        }
        guard !isAbandoned else { return }
        if matches < rule.minimum {
            report(
                rule.minimum == 1
                    ? "no item matches the 'contains' schema"
                    : "too few items match the 'contains' schema: \(matches), minimum \(rule.minimum)")
        }
        if let maximum = rule.maximum, matches > maximum {
            report("too many items match the 'contains' schema: \(matches), maximum \(maximum)")
        }
    }
}
