import KeelCore

/// What every HTTP provider adapter holds: its configuration, the pooled client, and the
/// headers it sends on every request (the configured extras and its authentication), built once.
struct ProviderEndpoint: Sendable {
    let config: ProviderConfig
    let http: UpstreamHTTPClient
    let headers: [(String, String)]

    /// `authentication` turns the API key, when one is configured, into the provider's headers.
    init(config: ProviderConfig, http: UpstreamHTTPClient, fixedHeaders: [(String, String)] = [], authentication: (String) -> [(String, String)]) {
        self.config = config
        self.http = http
        var headers = config.headers.map { ($0.key, $0.value) } + fixedHeaders
        if let key = config.apiKey, !key.isEmpty { headers += authentication(key) }
        self.headers = headers
    }

    /// `path` under the base URL, with these headers, made once by an adapter whose paths are fixed.
    func target(_ path: String) -> Result<UpstreamTarget, UpstreamError> {
        Result { () throws(UpstreamError) in try UpstreamTarget(url: config.baseURL + path, headers: headers) }
    }
}
