import KeelCore

/// `type`, `const`, `enum`, and the keywords for numbers and strings.
extension SchemaEvaluation {
    mutating func checkType(_ types: JSONSchemaTypes, _ instance: JSONValue) {
        guard !types.admits(instance) else { return }
        // "expected integer, got number" would puzzle whoever sent 2.5.
        let got = types.contains(.integer) && SchemaNumber(instance) != nil ? ValueDescription.describe(instance) : instance.typeName
        report("expected \(types.listed), got \(got)")
    }

    mutating func checkConstant(_ expected: SchemaKeyword.ExpectedValue, _ instance: JSONValue) {
        guard CanonicalJSON(instance) != expected.canonical else { return }
        report("expected \(ValueDescription.truncated(expected.value.encodedString())), got \(ValueDescription.describe(instance))")
    }

    mutating func checkEnumeration(_ values: [SchemaKeyword.ExpectedValue], _ instance: JSONValue) {
        let canonical = CanonicalJSON(instance)
        guard !values.contains(where: { $0.canonical == canonical }) else { return }
        report("\(ValueDescription.describe(instance)) is not one of \(ValueDescription.list(values.map(\.value)))")
    }

    mutating func checkBound(_ bound: SchemaKeyword.NumericBound, _ instance: JSONValue) {
        guard let number = SchemaNumber(instance) else { return }
        // nil (NaN) fails every bound.
        let order = number.compared(to: bound.limit)
        switch bound.kind {
        case .minimum where order == .orderedAscending || order == nil:
            report("\(number) is less than the minimum of \(bound.limit)")
        case .exclusiveMinimum where order != .orderedDescending:
            report("\(number) is not greater than the exclusive minimum of \(bound.limit)")
        case .maximum where order == .orderedDescending || order == nil:
            report("\(number) is greater than the maximum of \(bound.limit)")
        case .exclusiveMaximum where order != .orderedAscending:
            report("\(number) is not less than the exclusive maximum of \(bound.limit)")
        default:
            break
        }
    }

    mutating func checkMultipleOf(_ step: SchemaNumber, _ instance: JSONValue) {
        guard let number = SchemaNumber(instance), !number.isMultiple(of: step) else { return }
        report("\(number) is not a multiple of \(step)")
    }

    /// JSON Schema measures strings in Unicode code points: "é" is 1, "😀" is 1.
    mutating func checkLength(_ range: SchemaKeyword.CountRange, _ instance: JSONValue) {
        guard case .string(let string) = instance else { return }
        let length = string.unicodeScalars.count
        if let minimum = range.minimum, length < minimum {
            report("string is too short: \(ValueDescription.counted(length, "character")), minimum \(minimum)")
        }
        if let maximum = range.maximum, length > maximum {
            report("string is too long: \(ValueDescription.counted(length, "character")), maximum \(maximum)")
        }
    }

    mutating func checkPattern(_ regex: SchemaRegex, _ instance: JSONValue) {
        guard case .string(let string) = instance, !regex.matches(string) else { return }
        report("\(ValueDescription.describe(instance)) does not match the pattern /\(regex.source)/")
    }
}
