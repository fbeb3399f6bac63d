import Foundation

/// One field of an RFC 4180 CSV record.
enum CSVField {
    /// A text field: guarded against formula injection (a leading `'` before `=`, `+`, `-`,
    /// `@`, tab or CR, which spreadsheets would otherwise evaluate), then quoted if it must be.
    static func text(_ value: String) -> String {
        quoted(startsLikeAFormula(value) ? "'" + value : value)
    }

    static func startsLikeAFormula(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first else { return false }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first)
    }

    /// In double quotes, inner quotes doubled, when it holds a comma, a quote, CR or LF.
    static func quoted(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
