import KeelCore

/// `equals`, `contains` and its case-insensitive and any/all forms, `starts-with`, `regex`,
/// `levenshtein`.
enum TextAssertions {
    static func evaluate(_ assertion: EvalAssertion, output: String) -> AssertionOutcome {
        guard let value = assertion.value else { return .error("'\(assertion.type.rawValue)' needs a value") }
        switch assertion.type {
        case .equals:
            // promptfoo: an object or list value is compared with the output read as JSON.
            if value.objectValue != nil || value.arrayValue != nil {
                guard let parsed = try? JSONValue.parse(output) else {
                    return .fail("the output is not JSON, expected \(quote(value.encodedString()))")
                }
                return .of(
                    JSONComparison.equal(parsed, value),
                    "the output JSON \(JSONComparison.equal(parsed, value) ? "equals" : "differs from") the expected value")
            }
            let expected = text(value)
            return .of(
                output == expected, output == expected ? "the output equals \(quote(expected))" : "expected \(quote(expected)), got \(quote(output))")
        case .contains, .icontains:
            let needle = text(value)
            let found = contains(output, needle, caseInsensitive: assertion.type == .icontains)
            return .of(found, "the output \(found ? "contains" : "does not contain") \(quote(needle))")
        case .containsAny, .icontainsAny, .containsAll, .icontainsAll:
            let needles = list(value)
            guard !needles.isEmpty else { return .error("'\(assertion.type.rawValue)' needs a non-empty list of strings") }
            let caseInsensitive = assertion.type == .icontainsAny || assertion.type == .icontainsAll
            let found = needles.filter { contains(output, $0, caseInsensitive: caseInsensitive) }
            let missing = needles.filter { !contains(output, $0, caseInsensitive: caseInsensitive) }
            if assertion.type == .containsAny || assertion.type == .icontainsAny {
                return .of(
                    !found.isEmpty,
                    found.isEmpty
                        ? "the output contains none of \(needles.map(quote).joined(separator: ", "))" : "the output contains \(quote(found[0]))")
            }
            return .of(
                missing.isEmpty,
                missing.isEmpty
                    ? "the output contains all \(needles.count) strings" : "the output lacks \(missing.map(quote).joined(separator: ", "))")
        case .startsWith:
            let prefix = text(value)
            let found = output.hasPrefix(prefix)
            return .of(found, "the output \(found ? "starts" : "does not start") with \(quote(prefix))")
        case .regex:
            let pattern = text(value)
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(pattern) } catch { return .error("invalid regular expression \(quote(pattern)): \(error)") }
            let found = (try? regex.firstMatch(in: output)) != nil
            return .of(found, "the output \(found ? "matches" : "does not match") /\(pattern)/")
        case .levenshtein:
            let expected = text(value)
            let limit = assertion.threshold ?? 5
            let distance = Levenshtein.distance(output, expected)
            return .of(Double(distance) <= limit, "edit distance \(distance) \(Double(distance) <= limit ? "≤" : ">") \(format(limit))")
        default:
            return .error("'\(assertion.type.rawValue)' is not a text assertion")
        }
    }

    static func contains(_ haystack: String, _ needle: String, caseInsensitive: Bool) -> Bool {
        guard caseInsensitive else { return haystack.contains(needle) }
        return haystack.lowercased().contains(needle.lowercased())
    }

    /// A value as text: a string as is, anything else as compact JSON.
    static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.encodedString()
    }

    /// A list value's strings; a string is read as promptfoo reads it, comma-separated.
    static func list(_ value: JSONValue) -> [String] {
        if let items = value.arrayValue { return items.map(text) }
        return text(value).split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

/// Text quoted for a reason, cut to 120 characters.
func quote(_ text: String) -> String {
    let limit = 120
    guard text.count > limit else { return "\"\(text)\"" }
    return "\"\(text.prefix(limit))…\""
}

func format(_ number: Double) -> String {
    number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}

/// Edit distance (insertions, deletions, substitutions of characters).
enum Levenshtein {
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// JSON equality where `1` equals `1.0`.
enum JSONComparison {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return a == b
        }
    }

    /// Whether `actual` holds `expected`: objects by subset (every expected key present, its value
    /// held recursively), everything else (lists included) by equality.
    static func holds(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        switch (actual, expected) {
        case (.object(let x), .object(let y)):
            return y.allSatisfy { key, value in x[key].map { holds($0, value) } ?? false }
        default: return equal(actual, expected)
        }
    }
}
