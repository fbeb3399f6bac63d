import KeelCore
import Testing

@Suite struct ConfigLoaderTests {
    static let issueExample = """
        server: {host: 127.0.0.1, port: 8080}
        storage: {url: "sqlite://keel.db"}
        providers:
          - {name: openai, kind: openai, base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}"}
          - {name: claude, kind: anthropic, base_url: "https://api.anthropic.com", api_key: "${ANTHROPIC_API_KEY}"}
          - {name: local, kind: mock}
        models:
          - name: smart                 # what clients send as "model"
            timeout_ms: 30000           # per attempt
            retries: 1                  # extra attempts on the same target, retryable errors only
            targets:                    # tried in order: the fallback chain
              - {provider: openai, model: gpt-4o-2024-08-06}
              - {provider: claude, model: claude-sonnet-4-20250514}
        """

    @Test func readsTheDocumentedShape() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.issueExample, environment: ["OPENAI_API_KEY": "sk-one", "ANTHROPIC_API_KEY": "sk-two"])
        #expect(config.server == ServerConfig(host: "127.0.0.1", port: 8080))
        #expect(config.storage.url == "sqlite://keel.db")
        #expect(config.providers.map(\.name) == ["openai", "claude", "local"])
        #expect(config.providers.map(\.kind) == [.openai, .anthropic, .mock])
        #expect(config.providers[0].apiKey == "sk-one")
        #expect(config.providers[1].baseURL == "https://api.anthropic.com")
        let smart = try #require(config.model(named: "smart"))
        #expect(smart.timeoutMs == 30000)
        #expect(smart.firstTokenTimeoutMs == 30000)
        #expect(smart.retries == 1)
        #expect(
            smart.targets == [
                TargetConfig(provider: "openai", model: "gpt-4o-2024-08-06"), TargetConfig(provider: "claude", model: "claude-sonnet-4-20250514"),
            ])
    }

    @Test func unsetVariableNamesTheKey() {
        #expect(
            throws: ConfigError(file: "keel.yaml", key: "providers[0].api_key", problem: "environment variable OPENAI_API_KEY is not set (line 4)")
        ) {
            try ConfigLoader.parse(yaml: Self.issueExample, environment: ["ANTHROPIC_API_KEY": "x"])
        }
    }

    @Test func interpolatesWithDefaultsAndInsideText() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                server: {host: "${HOST:-0.0.0.0}", port: "${PORT}"}
                providers: [{name: p, kind: openai, base_url: "http://${UPSTREAM}/v1"}]
                models: [{name: m, targets: [{provider: p, model: x}]}]
                """,
            environment: ["PORT": "9000", "UPSTREAM": "10.0.0.1:8000"])
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 9000)
        #expect(config.providers[0].baseURL == "http://10.0.0.1:8000/v1")
    }

    @Test(arguments: [
        (
            "models: [{name: m, targets: [{provider: nope, model: x}]}]\nproviders: [{name: p, kind: mock}]", "models[0].targets[0].provider",
            "unknown provider \"nope\""
        ),
        (
            "providers: [{name: p, kind: openia}]\nmodels: [{name: m, targets: [{provider: p, model: x}]}]", "providers[0].kind",
            "unknown provider kind"
        ),
        ("providers: [{name: p, kind: mock}]\nmodels: [{name: m, targets: []}]", "models[0].targets", "at least one target"),
        (
            "providers: [{name: p, kind: mock}]\nmodels: [{name: m, retries: -1, targets: [{provider: p, model: x}]}]", "models[0].retries",
            "at least 0"
        ),
        (
            "providers: [{name: p, kind: mock}]\nmodels: [{name: m, timeout_ms: soon, targets: [{provider: p, model: x}]}]", "models[0].timeout_ms",
            "expected an integer"
        ),
        (
            "providers: [{name: p, kind: mock}, {name: p, kind: mock}]\nmodels: [{name: m, targets: [{provider: p, model: x}]}]", "providers[1].name",
            "duplicate provider"
        ),
        (
            "providers: [{name: p, kind: openai, base_url: \"ftp://x\"}]\nmodels: [{name: m, targets: [{provider: p, model: x}]}]",
            "providers[0].base_url", "http:// or https://"
        ),
        ("providers: [{name: p, kind: mock}]\nmodels: [{name: m, targets: [{provider: p}]}]", "models[0].targets[0].model", "is required"),
        ("providers: [{name: p, kind: mock}]\nmodls: []", "modls", "unknown key"),
        ("providers: [{name: p, kind: mock}]", "models", "at least one model"),
        (
            "server: {port: 99999}\nproviders: [{name: p, kind: mock}]\nmodels: [{name: m, targets: [{provider: p, model: x}]}]", "server.port",
            "between 0 and 65535"
        ),
        (
            "providers: [{name: p, kind: openai, proxy: \"socks5://u:pw@x:1\"}]\nmodels: [{name: m, targets: [{provider: p, model: x}]}]",
            "providers[0].proxy", "http:// proxy URL"
        ),
    ])
    func rejectsMistakesNamingTheKey(yaml: String, key: String, problem: String) {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "test.yaml")
            #expect(error.key == key)
            #expect(error.problem.contains(problem), "\(error.problem)")
        }
    }

    @Test func promptCachingIsOnUnlessAModelTurnsItOff() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                providers: [{name: p, kind: mock}]
                models:
                  - {name: cached, targets: [{provider: p, model: x}]}
                  - {name: uncached, prompt_caching: false, targets: [{provider: p, model: x}]}
                """)
        #expect(config.model(named: "cached")?.promptCaching == true)
        #expect(config.model(named: "uncached")?.promptCaching == false)
        do {
            _ = try ConfigLoader.parse(
                yaml: """
                    providers: [{name: p, kind: mock}]
                    models:
                      - {name: m, targets: [{provider: p, model: x}]}
                      - {name: r, prompt_caching: false, router: {default: m}}
                    """, file: "test.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "models[1].prompt_caching")
        }
    }

    @Test func badYAMLIsAnError() {
        do {
            _ = try ConfigLoader.parse(yaml: "models: [unclosed", file: "x.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("x.yaml: invalid YAML"))
        }
    }

    @Test func builtInDefaultIsValid() {
        let config = KeelConfig.builtInDefault()
        #expect(config.models.map(\.name) == ["mock", "mock-failover", "mock-judge"])
        #expect(config.providers.map(\.kind) == [.mock])
    }
}

@Suite struct AdminExposureTests {
    @Test func aGatewayBeyondLoopbackNeedsAnAdminKeyOrAnExplicitlyOpenAdminAPI() {
        #expect(AuthConfig().exposureProblem(host: "0.0.0.0") != nil)
        #expect(AuthConfig().exposureProblem(host: "10.1.2.3") != nil)
        #expect(AuthConfig().exposureProblem(host: "::") != nil)
        #expect(AuthConfig().exposureProblem(host: "127.0.0.1") == nil)
        #expect(AuthConfig().exposureProblem(host: "localhost") == nil)
        #expect(AuthConfig().exposureProblem(host: "::1") == nil)
        #expect(AuthConfig(adminKey: "an-admin-key-of-16-chars").exposureProblem(host: "0.0.0.0") == nil)
        #expect(AuthConfig(openAdmin: true).exposureProblem(host: "0.0.0.0") == nil)
    }

    @Test func openAdminIsReadFromTheAuthSection() throws {
        let config = try ConfigLoader.parse(
            yaml: "auth: {open_admin: true}\nmodels: [{name: m, targets: [{provider: p, model: x}]}]\nproviders: [{name: p, kind: mock}]")
        #expect(config.auth.openAdmin)
    }

    @Test func aProviderProxyIsReadAsGiven() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                providers: [{name: a, kind: openai, proxy: "http://u:pw@proxy.corp:3128"}, {name: b, kind: openai, proxy: direct}, {name: c, kind: openai}]
                models: [{name: m, targets: [{provider: a, model: x}]}]
                """)
        #expect(config.providers.map(\.proxy) == ["http://u:pw@proxy.corp:3128", "direct", nil])
    }

    @Test func aBudgetsFailureModeIsClosedUnlessOpenIsSaid() throws {
        let models = "\nproviders: [{name: a, kind: mock}]\nmodels: [{name: m, targets: [{provider: a, model: x}]}]"
        #expect(try ConfigLoader.parse(yaml: "storage: {url: \"sqlite://k.db\"}" + models).storage.budgetsWhenUnreachable == .closed)
        let open = try ConfigLoader.parse(yaml: "storage: {url: \"postgres://keel@db/keel\", budgets_when_unreachable: open}" + models)
        #expect(open.storage.budgetsWhenUnreachable == .open && open.storage.url == "postgres://keel@db/keel")
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "storage: {budgets_when_unreachable: sometimes}" + models) }
    }
}
