import Foundation
import KeelCore

/// A JSON number as written: integers stay Int64 so that large ones compare without rounding.
enum SchemaNumber: Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)

    init?(_ value: JSONValue) {
        switch value {
        case .int(let int): self = .int(int)
        case .double(let double): self = .double(double)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .int(let int): return JSONValue.int(int).encodedString()
        case .double(let double): return JSONValue.double(double).encodedString()
        }
    }

    var isPositive: Bool {
        switch self {
        case .int(let int): return int > 0
        case .double(let double): return double > 0
        }
    }

    private var doubleValue: Double {
        switch self {
        case .int(let int): return Double(int)
        case .double(let double): return double
        }
    }

    /// nil when either side is NaN.
    func compared(to other: SchemaNumber) -> ComparisonResult? {
        switch (self, other) {
        case (.int(let left), .int(let right)):
            return left < right ? .orderedAscending : left > right ? .orderedDescending : .orderedSame
        case (.int(let left), .double(let right)):
            return Self.compare(left, right)
        case (.double(let left), .int(let right)):
            return Self.compare(right, left).map(\.reversed)
        case (.double(let left), .double(let right)):
            guard !left.isNaN, !right.isNaN else { return nil }
            return left < right ? .orderedAscending : left > right ? .orderedDescending : .orderedSame
        }
    }

    /// Exact, without converting the integer to Double (which rounds above 2^53).
    private static func compare(_ int: Int64, _ double: Double) -> ComparisonResult? {
        if double.isNaN { return nil }
        if double >= 0x1p63 { return .orderedAscending }
        if double < -0x1p63 { return .orderedDescending }
        let floor = double.rounded(.down)
        let floorInt = Int64(floor)  // in range: -2^63 <= floor < 2^63
        if int < floorInt { return .orderedAscending }
        if int > floorInt { return .orderedDescending }
        return floor == double ? .orderedSame : .orderedAscending
    }

    /// `divisor` is positive (the compiler checks `multipleOf`).
    func isMultiple(of divisor: SchemaNumber) -> Bool {
        if case .int(let value) = self, case .int(let step) = divisor {
            return value % step == 0
        }
        let quotient = doubleValue / divisor.doubleValue
        // An overflowing quotient (1e308 / 0.5) still has an exact remainder.
        guard quotient.isFinite else { return doubleValue.truncatingRemainder(dividingBy: divisor.doubleValue) == 0 }
        // Decimal steps such as 0.01 are inexact in binary: 19.99 / 0.01 = 1998.9999999999998.
        // A quotient within a few units in the last place of an integer counts as one.
        return abs(quotient - quotient.rounded()) <= 4 * quotient.ulp
    }
}

extension ComparisonResult {
    fileprivate var reversed: ComparisonResult {
        switch self {
        case .orderedAscending: return .orderedDescending
        case .orderedDescending: return .orderedAscending
        case .orderedSame: return .orderedSame
        }
    }
}
