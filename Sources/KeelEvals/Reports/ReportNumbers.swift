import Foundation
import KeelCore

/// How the renderings write a report's numbers: scores, rates, dollars, milliseconds.
enum ReportNumbers {
    /// `0.85`.
    static func score(_ value: Double) -> String { String(format: "%.2f", value) }

    /// `80%`, `33.3%`.
    static func percent(_ rate: Double) -> String {
        let tenths = (rate * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int64(tenths))%" : String(format: "%.1f%%", tenths)
    }

    /// `$0.0123`: four decimals, more for a cost below a cent so that two significant digits
    /// show (`$0.00011`); `unpriced` when no call had a price.
    static func cost(_ value: JSONValue?) -> String {
        guard let dollars = value?.doubleValue else { return "unpriced" }
        var decimals = 4
        if dollars != 0 && abs(dollars) < 0.01 { decimals = min(12, max(4, Int((-log10(abs(dollars))).rounded(.up)) + 1)) }
        return "$" + String(format: "%.\(decimals)f", dollars)
    }

    /// `120 ms`; `-` when unknown.
    static func milliseconds(_ value: JSONValue?) -> String {
        guard let ms = value?.doubleValue else { return "-" }
        return "\(Int64(ms.rounded())) ms"
    }

    /// A JSON number as plain text (`3`, `0.25`, `-1.5`); nil when the value is not a number.
    static func plain(_ value: JSONValue?) -> String? {
        switch value {
        case .int(let int)?: return String(int)
        case .double(let double)? where double.isFinite:
            return double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        default: return nil
        }
    }
}
