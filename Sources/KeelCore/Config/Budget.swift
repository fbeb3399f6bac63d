import Foundation
import Synchronization

/// A spend limit in USD over a calendar day or month (UTC): `50usd/month`, `5usd/day`.
public struct Budget: Sendable, Equatable {
    public enum Period: String, Sendable, CaseIterable {
        case day, month
    }

    public var usd: Double
    public var period: Period

    public init(usd: Double, period: Period) {
        self.usd = usd
        self.period = period
    }

    /// `50usd/month`, `5usd/day`, `$50/month`.
    public init?(parsing text: String) {
        let parts = text.lowercased().replacingOccurrences(of: " ", with: "").split(separator: "/")
        guard parts.count == 2, let period = Period(rawValue: String(parts[1])) else { return nil }
        var amount = parts[0]
        if amount.hasSuffix("usd") { amount = amount.dropLast(3) } else if amount.hasPrefix("$") { amount = amount.dropFirst() } else { return nil }
        guard let usd = Double(amount), usd > 0, usd.isFinite else { return nil }
        self.init(usd: usd, period: period)
    }

    public var description: String { "\(usd.formatted(.number.precision(.fractionLength(0...2))))usd/\(period.rawValue)" }
}

extension Budget.Period {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The current day and month, kept: every budgeted request asks, and the calendar is slow.
    private static let current = Mutex<[Budget.Period: DateInterval]>([:])

    /// The UTC day or month that holds `date`.
    public func interval(containing date: Date) -> DateInterval {
        if let known = Self.current.withLock({ $0[self] }), known.start <= date && date < known.end { return known }
        let interval = Self.calendar.dateInterval(of: self == .day ? .day : .month, for: date) ?? DateInterval(start: date, duration: 86_400)
        Self.current.withLock { $0[self] = interval }
        return interval
    }
}

/// A team: keys that name it share its budget.
public struct TeamConfig: Sendable, Equatable {
    public var name: String
    public var budget: Budget

    public init(name: String, budget: Budget) {
        self.name = name
        self.budget = budget
    }
}

extension ConfigLoader {
    static func teams(_ node: ConfigNode) throws(ConfigError) -> [TeamConfig] {
        var teams: [TeamConfig] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: ["name", "budget"])
            let nameNode = try required("name", in: keys, of: item)
            let name = try nameNode.string()
            guard !name.isEmpty else { throw nameNode.fail("must not be empty") }
            if teams.contains(where: { $0.name == name }) { throw nameNode.fail("duplicate team \"\(name)\"") }
            teams.append(TeamConfig(name: name, budget: try budget(try required("budget", in: keys, of: item))))
        }
        return teams
    }

    static func budget(_ node: ConfigNode) throws(ConfigError) -> Budget {
        let text = try node.string()
        guard let budget = Budget(parsing: text) else {
            throw node.fail("expected an amount in USD per day or month, like 50usd/month or 5usd/day, found \"\(text)\"")
        }
        return budget
    }
}
