import KeelCore

/// What every HTTP provider adapter holds: its configuration, the pooled client, and the
/// headers it sends on every request (the configured extras and its authentication), built once.
struct ProviderEndpoint: Sendable {
    let config: ProviderConfig
    let http: UpstreamHTTPClient
    let headers: [(String, String)]
    /// The environment's proxies, or the provider's own `proxy:`.
    let proxies: Result<ProxySettings, UpstreamError>

    /// `authentication` turns the API key, when one is configured, into the provider's headers.
    init(config: ProviderConfig, http: UpstreamHTTPClient, fixedHeaders: [(String, String)] = [], authentication: (String) -> [(String, String)]) {
        self.config = config
        self.http = http
        var headers = config.headers.map { ($0.key, $0.value) } + fixedHeaders
        if let key = config.apiKey, !key.isEmpty { headers += authentication(key) }
        self.headers = headers
        proxies = Self.proxies(config.proxy, environment: http.proxies)
    }

    /// `direct` goes around every proxy; a URL is this provider's proxy for either scheme, whatever
    /// `NO_PROXY` says (the configuration names it for this provider on purpose).
    static func proxies(_ configured: String?, environment: ProxySettings) -> Result<ProxySettings, UpstreamError> {
        guard let configured else { return .success(environment) }
        if configured == "direct" { return .success(.direct) }
        do {
            let proxy = try ProxyServer(url: configured)
            return .success(ProxySettings(httpsProxy: proxy, httpProxy: proxy, bypass: NoProxyList("")))
        } catch {
            return .failure(UpstreamError(kind: .connection, message: "The provider's proxy is invalid: \(error.reason)."))
        }
    }

    /// `path` under the base URL, with these headers, made once by an adapter whose paths are fixed.
    func target(_ path: String) -> Result<UpstreamTarget, UpstreamError> {
        target(url: config.baseURL + path)
    }

    /// A whole URL, for an adapter whose paths vary by request.
    func target(url: String) -> Result<UpstreamTarget, UpstreamError> {
        Result { () throws(UpstreamError) in try UpstreamTarget(url: url, headers: headers, proxies: proxies.get()) }
    }
}
