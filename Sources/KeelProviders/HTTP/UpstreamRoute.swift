/// How Keel reaches an origin: directly, or through an egress proxy. Pooled connections are
/// kept per route, so the same origin reached through two proxies never shares a connection.
struct UpstreamRoute: Hashable, Sendable {
    var origin: UpstreamOrigin
    var proxy: ProxyServer?
    /// Through a CONNECT tunnel (https origins), rather than requests in absolute form.
    var tunnel: Bool

    init(origin: UpstreamOrigin, proxy: ProxyServer?, tunnel: Bool? = nil) {
        self.origin = origin
        self.proxy = proxy
        self.tunnel = proxy != nil && (tunnel ?? origin.tls)
    }
}
