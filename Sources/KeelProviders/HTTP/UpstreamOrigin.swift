/// Where a provider URL points: the connection's origin and the request target on it.
struct UpstreamOrigin: Hashable, Sendable {
    var tls: Bool
    var host: String
    var port: Int

    /// The `Host` header: the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// `host:port` as a CONNECT request names it (the port always given).
    var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    struct InvalidURL: Error, CustomStringConvertible {
        let url: String
        var description: String { "'\(url)' is not an http:// or https:// URL" }
    }

    /// Splits `http[s]://host[:port][/path][?query]` into its origin and its request target.
    static func parse(_ url: String) throws(InvalidURL) -> (origin: UpstreamOrigin, target: String) {
        let tls: Bool
        var rest: Substring
        if url.hasPrefix("https://") {
            tls = true
            rest = url.dropFirst(8)
        } else if url.hasPrefix("http://") {
            tls = false
            rest = url.dropFirst(7)
        } else {
            throw InvalidURL(url: url)
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw InvalidURL(url: url) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw InvalidURL(url: url) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw InvalidURL(url: url) }
        var port = tls ? 443 : 80
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else { throw InvalidURL(url: url) }
            port = parsed
        }
        let target = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
        return (UpstreamOrigin(tls: tls, host: String(host), port: port), target)
    }
}
