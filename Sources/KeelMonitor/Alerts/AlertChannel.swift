import KeelCore

/// A place incidents are sent (keel.yaml's `alerts:`): PagerDuty's Events API v2, a Slack
/// incoming webhook, or any webhook, which gets Alertmanager's payload.
public struct AlertChannel: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case pagerduty, slack, webhook
    }

    public var name: String
    public var kind: Kind
    public var url: String
    /// PagerDuty's integration key.
    public var routingKey: String?

    public static let keys = ["name", "kind", "url", "routing_key"]
    public static let pagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

    public init(name: String, kind: Kind, url: String, routingKey: String? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.routingKey = routingKey
    }

    /// Reads the `alerts:` list; errors name the entry and key.
    public static func parse(_ value: JSONValue?) throws(MonitorSettingsError) -> [AlertChannel] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else { throw MonitorSettingsError(key: "alerts", problem: "must be a list of channels") }
        var channels: [AlertChannel] = []
        for (index, item) in items.enumerated() {
            let key = "alerts[\(index)]"
            guard let object = item.objectValue else { throw MonitorSettingsError(key: key, problem: "must be a mapping") }
            try SettingsReader(prefix: key).only(keys, in: object)
            guard let name = object["name"]?.stringValue, !name.isEmpty else {
                throw MonitorSettingsError(key: "\(key).name", problem: "a channel needs a name")
            }
            guard let kindText = object["kind"]?.stringValue, let kind = Kind(rawValue: kindText) else {
                throw MonitorSettingsError(key: "\(key).kind", problem: "expected one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let url = object["url"]?.stringValue ?? (kind == .pagerduty ? pagerDutyURL : "")
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw MonitorSettingsError(key: "\(key).url", problem: "expected an http:// or https:// URL")
            }
            let routingKey = object["routing_key"]?.stringValue
            if kind == .pagerduty && (routingKey ?? "").isEmpty {
                throw MonitorSettingsError(key: "\(key).routing_key", problem: "PagerDuty needs the integration's routing key")
            }
            guard !channels.contains(where: { $0.name == name }) else {
                throw MonitorSettingsError(key: "\(key).name", problem: "two channels are named '\(name)'")
            }
            channels.append(AlertChannel(name: name, kind: kind, url: url, routingKey: routingKey))
        }
        return channels
    }

    /// The URL without its path and query (a webhook's secret often lives there), for logs and health.
    public var redactedURL: String {
        guard let schemeEnd = url.range(of: "://") else { return "?" }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" }
        return url[..<schemeEnd.upperBound] + host + (rest.count > host.count ? "/…" : "")
    }
}
