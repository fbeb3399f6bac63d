import Foundation
import KeelCore
import Testing

@testable import KeelProviders

@Suite struct NoProxyListTests {
    @Test(arguments: [
        ("example.com", "example.com", 443, true),
        ("example.com", "api.example.com", 443, true),
        ("example.com", "notexample.com", 443, false),
        (".corp.example", "llm.corp.example", 443, true),
        (".corp.example", "corp.example", 443, true),
        ("*.corp.example", "llm.corp.example", 443, true),
        ("*", "anything.at.all", 80, true),
        ("a.com, B.COM ,c.com", "x.b.com", 443, true),
        ("internal:8443", "internal", 8443, true),
        ("internal:8443", "internal", 443, false),
        ("::1", "::1", 80, true),
        ("[::1]:8080", "::1", 8080, true),
        ("localhost", "127.0.0.1", 80, false),
        ("", "127.0.0.1", 80, false),
    ])
    func matchesAsCurlDoes(list: String, host: String, port: Int, bypassed: Bool) {
        #expect(NoProxyList(list).matches(host: host, port: port) == bypassed)
    }
}

@Suite struct ProxySettingsTests {
    @Test func aProxyURLGivesItsHostPortAndBasicCredentialsButNeverPrintsThem() throws {
        let proxy = try ProxyServer(url: "http://alice:s%40cret@proxy.corp:3128/")
        #expect(proxy.host == "proxy.corp")
        #expect(proxy.port == 3128)
        #expect(proxy.authorization == "Basic " + Data("alice:s@cret".utf8).base64EncodedString())
        #expect("\(proxy)" == "proxy.corp:3128")
        #expect(try ProxyServer(url: "proxy.corp").port == 1080, "curl's default port, and http when no scheme")
        #expect(throws: ProxyServer.InvalidURL.self) { try ProxyServer(url: "https://proxy.corp:443") }
        #expect(throws: ProxyServer.InvalidURL.self) { try ProxyServer(url: "socks5://proxy.corp:1080") }
    }

    @Test func theEnvironmentIsReadLowerCaseFirstAndEmptyCountsAsUnset() throws {
        let settings = try ProxySettings.fromEnvironment([
            "https_proxy": "http://low:3128", "HTTPS_PROXY": "http://up:3128", "HTTP_PROXY": "http://plain:8080", "http_proxy": " ",
            "NO_PROXY": "internal.example",
        ])
        #expect(settings.httpsProxy?.host == "low")
        #expect(settings.httpProxy?.host == "plain")
        let secure = UpstreamOrigin(tls: true, host: "api.openai.com", port: 443)
        #expect(settings.route(to: secure) == UpstreamRoute(origin: secure, proxy: settings.httpsProxy))
        #expect(settings.route(to: secure).tunnel)
        let plain = UpstreamOrigin(tls: false, host: "vllm.internal.example", port: 8000)
        #expect(settings.route(to: plain).proxy == nil)
        #expect(try ProxySettings.fromEnvironment([:]) == .direct)
    }

    @Test func aProviderProxyOverridesTheEnvironment() throws {
        let environment = try ProxySettings.fromEnvironment(["HTTPS_PROXY": "http://env:3128", "NO_PROXY": "*"])
        #expect(try ProviderEndpoint.proxies(nil, environment: environment).get() == environment)
        #expect(try ProviderEndpoint.proxies("direct", environment: environment).get() == .direct)
        let own = try ProviderEndpoint.proxies("http://own:8080", environment: environment).get()
        #expect(own.route(to: UpstreamOrigin(tls: true, host: "api.anthropic.com", port: 443)).proxy?.host == "own")
    }
}

@Suite struct EgressProxyTests {
    private static let credentials = "Basic " + Data("alice:secret".utf8).base64EncodedString()

    private func client(through proxy: TestProxy, tunnel: Bool, noProxy: String = "") throws -> UpstreamHTTPClient {
        var settings = ProxySettings(
            httpsProxy: nil, httpProxy: try ProxyServer(url: "http://alice:secret@127.0.0.1:\(proxy.port)"), bypass: NoProxyList(noProxy))
        settings.tunnelEveryOrigin = tunnel
        return UpstreamHTTPClient(pool: UpstreamConnectionPool(configuration: .init(maxConnectionsPerOrigin: 4)), proxies: settings)
    }

    @Test func aTunnelIsOpenedWithCONNECTAndItsCredentialsAndThenReused() async throws {
        let server = try await ScriptedHTTPServer.start()
        let proxy = try await TestProxy.start()
        let http = try client(through: proxy, tunnel: true)
        for index in 1...2 {
            let answer = try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])
            #expect(answer["request"]?.intValue == index)
        }
        #expect(proxy.seen == [TestProxy.Seen(requestLine: "CONNECT 127.0.0.1:\(server.port) HTTP/1.1", proxyAuthorization: Self.credentials)])
        #expect(server.connections == 1)
        await http.pool.shutdown()
        await proxy.stop()
        await server.stop()
    }

    @Test func aPlainHTTPOriginIsAskedOfTheProxyInAbsoluteForm() async throws {
        let server = try await ScriptedHTTPServer.start()
        let proxy = try await TestProxy.start()
        let http = try client(through: proxy, tunnel: false)
        let answer = try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])
        #expect(answer["ok"] == true)
        #expect(proxy.seen == [TestProxy.Seen(requestLine: "POST http://127.0.0.1:\(server.port)/ok HTTP/1.1", proxyAuthorization: Self.credentials)])
        await http.pool.shutdown()
        await proxy.stop()
        await server.stop()
    }

    @Test func aHostInNoProxyBypassesTheProxy() async throws {
        let server = try await ScriptedHTTPServer.start()
        let proxy = try await TestProxy.start()
        let http = try client(through: proxy, tunnel: true, noProxy: "localhost,127.0.0.1")
        #expect(try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:])["ok"] == true)
        #expect(proxy.seen.isEmpty)
        await http.pool.shutdown()
        await proxy.stop()
        await server.stop()
    }

    @Test func aRefusedTunnelIsAConnectionErrorNamingTheProxyWithoutItsCredentials() async throws {
        let server = try await ScriptedHTTPServer.start()
        let proxy = try await TestProxy.start(refuse: true)
        let http = try client(through: proxy, tunnel: true)
        let error = await #expect(throws: UpstreamError.self) { try await http.postJSON(url: server.baseURL + "/ok", headers: [], body: [:]) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("127.0.0.1:\(proxy.port)") == true)
        #expect(error?.message.contains("407") == true)
        #expect(error?.message.contains("secret") == false)
        #expect(server.requests == 0)
        await http.pool.shutdown()
        await proxy.stop()
        await server.stop()
    }
}
