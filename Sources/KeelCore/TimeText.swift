import Foundation

/// Times and durations as people type them in queries and on the command line. The grammar is
/// strict and bounded, so that every value read is a real time a store can hold (an unbounded
/// number once overflowed the store's microseconds and stopped the gateway), and the OpenAPI
/// document's patterns for these parameters say exactly what is read.
public enum TimeText {
    /// The most units a duration may have.
    public static let maxDurationAmount = 99_999

    /// `90s`, `15m`, `1h`, `7d`: 1 to 99999 seconds, minutes, hours or days, in seconds; nil for
    /// anything else.
    public static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }) else { return nil }
        let digits = text.utf8.dropLast()
        guard (1...5).contains(digits.count), digits.first != UInt8(ascii: "0"), digits.allSatisfy(isDigit),
            let amount = Int(String(decoding: digits, as: UTF8.self))
        else { return nil }
        return Double(amount) * unit
    }

    /// An RFC 3339 time (`2026-11-01T00:00:00Z`), unix seconds (`1793491200`, up to 11 digits and
    /// 9 decimals), or a duration ago (`30m`); nil for anything else.
    public static func date(_ text: String, now: Date = Date()) -> Date? {
        if let seconds = unixSeconds(text) { return Date(timeIntervalSince1970: seconds) }
        if let date = RFC3339Time.parse(text) { return date }
        return duration(text).map { now.addingTimeInterval(-$0) }
    }

    private static func unixSeconds(_ text: String) -> TimeInterval? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard (1...11).contains(parts[0].count), parts[0].allSatisfy(isDigit) else { return nil }
        if parts.count == 2 {
            guard (1...9).contains(parts[1].count), parts[1].allSatisfy(isDigit) else { return nil }
        }
        return Double(text)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, RFC 3339's date-time with an upper-case `T` and
/// `Z`, years 0000 to 9999, every field in its range (no 31 April, no 29 February outside leap
/// years, no leap second), 1 to 9 decimals.
enum RFC3339Time {
    static func parse(_ text: String) -> Date? {
        var reader = Reader(bytes: Array(text.utf8))
        guard let year = reader.number(digits: 4), reader.take("-"), let month = reader.number(digits: 2), reader.take("-"),
            let day = reader.number(digits: 2), reader.take("T"), let hour = reader.number(digits: 2), reader.take(":"),
            let minute = reader.number(digits: 2), reader.take(":"), let second = reader.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        var fraction = 0.0
        if reader.take(".") {
            guard let (value, count) = reader.digits(upTo: 9) else { return nil }
            fraction = Double(value) / pow(10, Double(count))
        }
        var offsetSeconds = 0
        if !reader.take("Z") {
            let sign: Int
            if reader.take("+") { sign = 1 } else if reader.take("-") { sign = -1 } else { return nil }
            guard let hours = reader.number(digits: 2), reader.take(":"), let minutes = reader.number(digits: 2), hours < 24, minutes < 60 else {
                return nil
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        guard reader.atEnd else { return nil }
        let days = daysFromEpoch(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Exactly `digits` decimal digits.
        mutating func number(digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard TimeText.isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }

        /// 1 to `limit` decimal digits, and how many there were.
        mutating func digits(upTo limit: Int) -> (Int, Int)? {
            var value = 0
            var count = 0
            while index < bytes.count, TimeText.isDigit(bytes[index]), count < limit {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            return count == 0 ? nil : (value, count)
        }
    }
}
