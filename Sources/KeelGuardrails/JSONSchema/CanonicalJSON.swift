import KeelCore

/// A value under JSON Schema's equality, for `enum`, `const` and `uniqueItems`: numbers compare
/// by value (`1 == 1.0`), objects ignore key order, and strings compare code point by code
/// point. (Swift's own `String ==` treats "é" and "e\u{301}" as equal; JSON Schema does not.)
struct CanonicalJSON: Hashable, Sendable {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = Self.normalized(value)
    }

    static func == (left: CanonicalJSON, right: CanonicalJSON) -> Bool {
        equal(left.value, right.value)
    }

    func hash(into hasher: inout Hasher) {
        Self.hash(value, into: &hasher)
    }

    /// Doubles with an integral value in Int64's range become ints, so that numbers of equal
    /// value have one form.
    private static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let double) where double.isIntegral && double >= -0x1p63 && double < 0x1p63:
            return .int(Int64(double))
        case .array(let array):
            return .array(array.map(normalized))
        case .object(let object):
            return .object(object.mapValues(normalized))
        default:
            return value
        }
    }

    private static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.int(let left), .int(let right)): return left == right
        case (.double(let left), .double(let right)): return left == right
        case (.string(let left), .string(let right)): return left.utf8.elementsEqual(right.utf8)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default: return false
        }
    }

    private static func hash(_ value: JSONValue, into hasher: inout Hasher) {
        switch value {
        case .null:
            hasher.combine(0)
        case .bool(let bool):
            hasher.combine(1)
            hasher.combine(bool)
        case .int(let int):
            hasher.combine(2)
            hasher.combine(int)
        case .double(let double):
            hasher.combine(3)
            hasher.combine(double)
        case .string(let string):
            hasher.combine(4)
            hash(string, into: &hasher)
        case .array(let array):
            hasher.combine(5)
            hasher.combine(array.count)
            for element in array { hash(element, into: &hasher) }
        case .object(let object):
            hasher.combine(6)
            hasher.combine(object.count)
            // Order-independent, as key order is not part of an object's value.
            var combined = 0
            for (key, member) in object {
                var memberHasher = Hasher()
                hash(key, into: &memberHasher)
                hash(member, into: &memberHasher)
                combined = combined &+ memberHasher.finalize()
            }
            hasher.combine(combined)
        }
    }

    private static func hash(_ string: String, into hasher: inout Hasher) {
        hasher.combine(string.utf8.count)
        for byte in string.utf8 { hasher.combine(byte) }
    }
}
