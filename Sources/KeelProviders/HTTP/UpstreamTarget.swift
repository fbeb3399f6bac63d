import NIOHTTP1

/// A provider URL and the headers sent to it, made once: the route to connect by and the
/// request head without its length, so that a request only adds its `content-length`.
public struct UpstreamTarget: Sendable {
    let route: UpstreamRoute
    private let head: HTTPRequestHead
    /// For `AsyncHTTPClientBackend`: the URL, and the headers but `host` (it sets its own).
    let url: String
    let headersWithoutFraming: HTTPHeaders

    var origin: UpstreamOrigin { route.origin }

    /// `headers` are the provider's own (authentication, configured extras); they replace
    /// Keel's defaults of the same name. `proxies` says whether the URL is reached through an
    /// egress proxy: an http:// URL is then asked of the proxy in absolute form, with the
    /// proxy's credentials; an https:// one goes through a CONNECT tunnel (`UpstreamConnectionPool`).
    public init(url: String, headers: [(String, String)], proxies: ProxySettings = .direct) throws(UpstreamError) {
        let path: String
        let origin: UpstreamOrigin
        do {
            (origin, path) = try UpstreamOrigin.parse(url)
        } catch {
            throw UpstreamError(kind: .connection, message: "The provider URL is invalid: \(error).")
        }
        route = proxies.route(to: origin)
        let forwardProxy = route.tunnel ? nil : route.proxy
        let uri = forwardProxy == nil ? path : "http://\(origin.hostHeader)\(path)"
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri)
        head.headers.reserveCapacity(7 + headers.count)
        head.headers.add(name: "host", value: origin.hostHeader)
        head.headers.add(name: "user-agent", value: "keel")
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "accept", value: "application/json, text/event-stream")
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        head.headers.remove(name: "content-length")  // each request sets its own
        if let authorization = forwardProxy?.authorization { head.headers.replaceOrAdd(name: "proxy-authorization", value: authorization) }
        self.head = head
        self.url = url
        var plain = head.headers
        plain.remove(name: "host")
        headersWithoutFraming = plain
    }

    func head(contentLength: Int) -> HTTPRequestHead {
        var head = head
        head.headers.add(name: "content-length", value: String(contentLength))
        return head
    }
}
