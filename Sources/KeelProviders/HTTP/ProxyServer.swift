import Foundation

/// An HTTP egress proxy, from a URL such as `http://user:pass@proxy.corp:3128`. Its credentials
/// become a `Proxy-Authorization: Basic` value and are never part of its description (nor so
/// of any log line or error that prints it).
public struct ProxyServer: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The `Proxy-Authorization` header's value, when the URL carries credentials.
    var authorization: String?

    public struct InvalidURL: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "invalid proxy URL: \(reason)" }
    }

    /// `http://[user[:password]@]host[:port][/]`. As with curl, a URL without a scheme is an
    /// http proxy and the port defaults to 1080; `https://` proxies (TLS to the proxy itself)
    /// are refused.
    public init(url text: String) throws(InvalidURL) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") {
            let name = rest[..<scheme.lowerBound].lowercased()
            guard name == "http" else { throw InvalidURL(reason: "only http:// proxies are supported, not \(name)://") }
            rest = rest[scheme.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var credentials: Substring?
        if let at = rest.lastIndex(of: "@") {
            credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        let hasPort = rest.hasPrefix("[") ? rest.contains("]:") : rest.contains(":")
        guard let (origin, _) = try? UpstreamOrigin.parse("http://" + rest + (hasPort ? "" : ":1080")) else {
            throw InvalidURL(reason: "no host or an invalid port")
        }
        host = origin.host
        port = origin.port
        authorization = credentials.map { credentials in
            let decoded = credentials.removingPercentEncoding ?? String(credentials)
            return "Basic " + Data(decoded.utf8).base64EncodedString()
        }
    }

    /// Host and port, never the credentials.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
