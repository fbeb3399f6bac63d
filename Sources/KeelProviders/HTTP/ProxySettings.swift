import Foundation

/// Which egress proxy, if any, each upstream origin is reached through, from the environment
/// as curl reads it: `https_proxy`/`HTTPS_PROXY` for https:// origins, `http_proxy`/`HTTP_PROXY`
/// for http:// ones (the lower-case name first), and `no_proxy`/`NO_PROXY` for the hosts that
/// bypass both. Read once, when the gateway starts.
public struct ProxySettings: Sendable, Equatable {
    public var httpsProxy: ProxyServer?
    public var httpProxy: ProxyServer?
    public var bypass: NoProxyList
    /// Tunnels http:// origins too (tests use it to exercise the tunnel without TLS).
    var tunnelEveryOrigin = false

    /// No proxy at all.
    public static let direct = ProxySettings(httpsProxy: nil, httpProxy: nil, bypass: NoProxyList(""))

    public init(httpsProxy: ProxyServer?, httpProxy: ProxyServer?, bypass: NoProxyList) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.bypass = bypass
    }

    /// From `environment`; an empty variable counts as unset. A malformed proxy URL throws
    /// rather than sending requests around the proxy a company requires.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ProxyServer.InvalidURL) -> ProxySettings {
        func value(_ name: String) -> String? {
            for key in [name.lowercased(), name.uppercased()] {
                if let value = environment[key], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
            }
            return nil
        }
        return ProxySettings(
            httpsProxy: try value("https_proxy").map { url throws(ProxyServer.InvalidURL) in try ProxyServer(url: url) },
            httpProxy: try value("http_proxy").map { url throws(ProxyServer.InvalidURL) in try ProxyServer(url: url) },
            bypass: NoProxyList(value("no_proxy") ?? ""))
    }

    /// The route to `origin`: through the proxy for its scheme unless `no_proxy` lists it.
    func route(to origin: UpstreamOrigin) -> UpstreamRoute {
        let proxy = origin.tls ? httpsProxy : httpProxy
        guard let proxy, !bypass.matches(host: origin.host, port: origin.port) else { return UpstreamRoute(origin: origin, proxy: nil) }
        return UpstreamRoute(origin: origin, proxy: proxy, tunnel: origin.tls || tunnelEveryOrigin)
    }
}

/// The hosts `no_proxy` exempts, matched as curl documents it: entries separated by commas,
/// `*` alone matches every host; an entry matches the host itself or any host under it as a
/// domain (`example.com` and `.example.com` both match `example.com` and `api.example.com`,
/// not `notexample.com`), without regard to case; IPv6 addresses are written without
/// brackets. Like Go's `httpproxy` (curl ignores ports here), an entry `host:port` matches
/// that port only. Loopback is proxied unless listed, as with curl; CIDR ranges are not
/// supported (an address matches only when written out).
public struct NoProxyList: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var domain: String
        var port: Int?
    }

    private let matchesEverything: Bool
    private let entries: [Entry]

    public init(_ list: String) {
        var everything = false
        var entries: [Entry] = []
        for raw in list.split(separator: ",") {
            var item = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if item == "*" { everything = true }
            if item.hasPrefix("*.") { item.removeFirst() }
            if item.hasPrefix(".") { item.removeFirst() }
            var port: Int?
            if item.hasPrefix("["), let close = item.firstIndex(of: "]") {
                let after = item[item.index(after: close)...]
                if after.hasPrefix(":") { port = Int(after.dropFirst()) }
                item = String(item[item.index(after: item.startIndex)..<close])
            } else if item.filter({ $0 == ":" }).count == 1, let colon = item.firstIndex(of: ":"),
                let number = Int(item[item.index(after: colon)...])
            {
                port = number
                item = String(item[..<colon])
            }
            if !item.isEmpty, item != "*" { entries.append(Entry(domain: item, port: port)) }
        }
        matchesEverything = everything
        self.entries = entries
    }

    public func matches(host: String, port: Int) -> Bool {
        if matchesEverything { return true }
        let host = host.lowercased()
        return entries.contains { entry in
            if let wanted = entry.port, wanted != port { return false }
            return host == entry.domain || host.hasSuffix("." + entry.domain)
        }
    }
}
