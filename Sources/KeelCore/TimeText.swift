import Foundation

/// Times and durations as people type them in queries and on the command line.
public enum TimeText {
    /// `90s`, `15m`, `1h`, `7d`, in seconds; nil for anything else.
    public static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount > 0 else { return nil }
        return amount * unit
    }

    /// An ISO 8601 time, unix seconds, or a duration ago (`30m`); nil for anything else.
    public static func date(_ text: String, now: Date = Date()) -> Date? {
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return duration(text).map { now.addingTimeInterval(-$0) }
    }
}
