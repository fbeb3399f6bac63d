import Foundation
import Yams

/// Reads keel.yaml into a validated `KeelConfig`.
public enum ConfigLoader {
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> KeelConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", problem: "cannot read the file (\(error.localizedDescription))")
        }
        var config = try parse(yaml: text, file: path, environment: environment)
        config.storage.resolveRelativePath(against: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        return config
    }

    public static func parse(yaml: String, file: String = "keel.yaml", environment: [String: String] = [:]) throws(ConfigError) -> KeelConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, key: "", problem: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: file, key: "", problem: "invalid YAML: \(error)")
        }
        let top = try ConfigNode(node: root, path: "", file: file, environment: environment)
            .mapping(allowed: [
                "server", "storage", "resilience", "providers", "models", "pricing", "telemetry", "guardrails", "auth", "teams", "cache", "batch",
                "rollouts", "evals", "prompts", "monitoring", "alerts", "remediation", "slos",
            ])
        var config = KeelConfig(providers: [], models: [])
        config.server = try top["server"].map(server) ?? ServerConfig()
        config.storage = try top["storage"].map(storage) ?? StorageConfig()
        config.resilience = try top["resilience"].map(resilience) ?? ResilienceConfig()
        config.providers = try top["providers"].map(providers) ?? []
        config.models = try top["models"].map { (node) throws(ConfigError) in try models(node, providers: config.providers) } ?? []
        config.pricing = try top["pricing"].map(pricing) ?? []
        config.telemetry = try top["telemetry"].map(telemetry) ?? TelemetryConfig()
        config.guardrails = try top["guardrails"].map(guardrails) ?? GuardrailsConfig()
        config.auth = try top["auth"].map(auth) ?? AuthConfig()
        config.teams = try top["teams"].map(teams) ?? []
        if let rolloutsNode = top["rollouts"], !rolloutsNode.isNull {
            guard let block = try rolloutsNode.json().objectValue else { throw rolloutsNode.fail("must be a mapping of rollout defaults") }
            config.rollouts = block
        }
        if let evalsNode = top["evals"], !evalsNode.isNull {
            guard let block = try evalsNode.json().objectValue else { throw evalsNode.fail("must be a mapping (judge, online, scheduled, ...)") }
            config.evals = block
        }
        if let monitoringNode = top["monitoring"], !monitoringNode.isNull {
            guard let block = try monitoringNode.json().objectValue else {
                throw monitoringNode.fail("must be a mapping (interval_s, resolve_after_s, external_url, detectors)")
            }
            config.monitoring = block
        }
        if let slosNode = top["slos"], !slosNode.isNull {
            guard let list = try slosNode.json().arrayValue else {
                throw slosNode.fail("must be a list of SLOs ({name, model, objective, target or threshold})")
            }
            config.slos = list
        }
        if let remediationNode = top["remediation"], !remediationNode.isNull {
            guard let block = try remediationNode.json().objectValue else {
                throw remediationNode.fail("must be a mapping (max_actions_per_hour, actions, ...)")
            }
            config.remediation = block
        }
        if let alertsNode = top["alerts"], !alertsNode.isNull {
            guard let list = try alertsNode.json().arrayValue else { throw alertsNode.fail("must be a list of channels ({name, kind, url})") }
            config.alerts = list
        }
        if let promptsNode = top["prompts"], !promptsNode.isNull {
            let keys = try promptsNode.mapping(allowed: ["protected_labels"])
            if let labels = keys["protected_labels"], !labels.isNull {
                config.protectedLabels = try labels.sequence().map { (node) throws(ConfigError) in try node.string() }
            }
        }
        if let batchNode = top["batch"], !batchNode.isNull {
            let keys = try batchNode.mapping(allowed: ["concurrency", "lease_s"])
            config.batchConcurrency = try keys["concurrency"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? 4
            config.batchLeaseSeconds = try keys["lease_s"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? 30
        }
        if let cacheNode = top["cache"], !cacheNode.isNull {
            let keys = try cacheNode.mapping(allowed: ["max_bytes"])
            config.cacheMaxBytes =
                try keys["max_bytes"].map { (node) throws(ConfigError) in try node.int(atLeast: 0) } ?? KeelConfig.defaultCacheMaxBytes
        }
        if config.models.isEmpty {
            throw ConfigError(file: file, key: "models", problem: "at least one model must be configured")
        }
        try checkClassifierModels(config, file: file)
        try checkRouters(config, file: file)
        for model in config.models {
            guard let semantic = model.semanticCache else { continue }
            guard let embedder = config.model(named: semantic.embeddingModel), embedder.router == nil else {
                throw ConfigError(
                    file: file, key: "models.\(model.name).cache.semantic.embedding_model",
                    problem: "\"\(semantic.embeddingModel)\" is not a configured model with targets")
            }
        }
        return config
    }

    private static func server(_ node: ConfigNode) throws(ConfigError) -> ServerConfig {
        let keys = try node.mapping(allowed: ["host", "port", "max_body_bytes", "shutdown_grace_ms", "idle_timeout_ms"])
        var server = ServerConfig()
        server.host = try keys["host"].map { (node) throws(ConfigError) in try node.string() } ?? server.host
        if let port = try keys["port"].map({ (node) throws(ConfigError) in try node.int() }) {
            guard (0...65535).contains(port) else { throw keys["port"]!.fail("must be between 0 and 65535, found \(port)") }
            server.port = port
        }
        server.maxBodyBytes = try keys["max_body_bytes"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? server.maxBodyBytes
        server.shutdownGraceMs =
            try keys["shutdown_grace_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 0) } ?? server.shutdownGraceMs
        server.idleTimeoutMs = try keys["idle_timeout_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? server.idleTimeoutMs
        return server
    }

    private static func storage(_ node: ConfigNode) throws(ConfigError) -> StorageConfig {
        let keys = try node.mapping(allowed: [
            "url", "queue_capacity", "batch_size", "flush_interval_ms", "retention_days", "max_traces", "budgets_when_unreachable",
        ])
        var storage = StorageConfig()
        if let urlNode = keys["url"], !urlNode.isNull {
            let url = try urlNode.string()
            if PostgresURL.isPostgres(url) {
                do {
                    _ = try PostgresURL(url)
                } catch {
                    throw urlNode.fail(error.description)
                }
            } else if !url.hasPrefix("sqlite://") || url.count == "sqlite://".count {
                throw urlNode.fail("expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE, found \"\(PostgresURL.redacting(url))\"")
            }
            storage.url = url
        }
        storage.queueCapacity = try keys["queue_capacity"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? storage.queueCapacity
        storage.batchSize = try keys["batch_size"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? storage.batchSize
        storage.flushIntervalMs =
            try keys["flush_interval_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 0) } ?? storage.flushIntervalMs
        storage.retentionDays = try keys["retention_days"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
        storage.maxTraces = try keys["max_traces"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
        if let node = keys["budgets_when_unreachable"], !node.isNull {
            guard let mode = (try? node.string()).flatMap(StorageConfig.BudgetFailure.init(rawValue:)) else {
                throw node.fail("expected closed or open")
            }
            storage.budgetsWhenUnreachable = mode
        }
        return storage
    }

    private static func telemetry(_ node: ConfigNode) throws(ConfigError) -> TelemetryConfig {
        let keys = try node.mapping(allowed: ["otlp_endpoint", "otlp_headers", "otlp_protocol", "service_name", "export_interval_ms"])
        var telemetry = TelemetryConfig()
        if let endpointNode = keys["otlp_endpoint"], !endpointNode.isNull {
            let endpoint = try endpointNode.string()
            guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw endpointNode.fail("expected an http:// or https:// URL, found \"\(endpoint)\"")
            }
            telemetry.otlpEndpoint = endpoint
        }
        telemetry.otlpHeaders = try keys["otlp_headers"].map { (node) throws(ConfigError) in try node.stringMap() } ?? [:]
        if let protocolNode = keys["otlp_protocol"], !protocolNode.isNull {
            let text = try protocolNode.string()
            guard let value = TelemetryConfig.OTLPProtocol(rawValue: text) else {
                throw protocolNode.fail("expected http/protobuf or http/json, found \"\(text)\"")
            }
            telemetry.otlpProtocol = value
        }
        telemetry.serviceName = try keys["service_name"].map { (node) throws(ConfigError) in try node.string() } ?? telemetry.serviceName
        telemetry.exportIntervalMs =
            try keys["export_interval_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? telemetry.exportIntervalMs
        return telemetry
    }

    private static func pricing(_ node: ConfigNode) throws(ConfigError) -> [PriceOverride] {
        var result: [PriceOverride] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: ["provider", "model", "input", "output", "cached_input", "cache_write"])
            func price(_ key: String) throws(ConfigError) -> Double? {
                guard let node = keys[key], !node.isNull else { return nil }
                let value = try node.double()
                guard value >= 0 else { throw node.fail("must not be negative") }
                return value
            }
            guard let input = try price("input") else { throw ConfigError(file: item.file, key: "\(item.path).input", problem: "is required") }
            guard let output = try price("output") else { throw ConfigError(file: item.file, key: "\(item.path).output", problem: "is required") }
            result.append(
                PriceOverride(
                    provider: try keys["provider"].map { (node) throws(ConfigError) in try node.string() },
                    model: try required("model", in: keys, of: item).string(), input: input, output: output,
                    cachedInput: try price("cached_input"), cacheWrite: try price("cache_write")))
        }
        return result
    }

    private static func resilience(_ node: ConfigNode) throws(ConfigError) -> ResilienceConfig {
        let keys = try node.mapping(allowed: [
            "backoff_initial_ms", "backoff_max_ms", "max_retry_after_ms", "retry_budget_ratio",
            "retry_budget_min_per_second", "breaker_failure_threshold", "breaker_cooldown_ms",
        ])
        var config = ResilienceConfig()
        func int(_ key: String, _ value: inout Int, atLeast minimum: Int) throws(ConfigError) {
            if let node = keys[key], !node.isNull { value = try node.int(atLeast: minimum) }
        }
        func double(_ key: String, _ value: inout Double) throws(ConfigError) {
            if let node = keys[key], !node.isNull {
                let parsed = try node.double()
                guard parsed >= 0 else { throw node.fail("must not be negative") }
                value = parsed
            }
        }
        try int("backoff_initial_ms", &config.backoffInitialMs, atLeast: 0)
        try int("backoff_max_ms", &config.backoffMaxMs, atLeast: 0)
        try int("max_retry_after_ms", &config.maxRetryAfterMs, atLeast: 0)
        try double("retry_budget_ratio", &config.retryBudgetRatio)
        try double("retry_budget_min_per_second", &config.retryBudgetMinPerSecond)
        try int("breaker_failure_threshold", &config.breakerFailureThreshold, atLeast: 1)
        try int("breaker_cooldown_ms", &config.breakerCooldownMs, atLeast: 0)
        return config
    }

    private static func providers(_ node: ConfigNode) throws(ConfigError) -> [ProviderConfig] {
        var result: [ProviderConfig] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: [
                "name", "kind", "base_url", "api_key", "headers", "anthropic_version", "default_max_tokens", "max_connections", "proxy",
            ])
            let name = try required("name", in: keys, of: item).string()
            guard !name.isEmpty else { throw keys["name"]!.fail("must not be empty") }
            if result.contains(where: { $0.name == name }) { throw keys["name"]!.fail("duplicate provider name \"\(name)\"") }
            let kindNode = try required("kind", in: keys, of: item)
            let kindText = try kindNode.string()
            guard let kind = ProviderKind(rawValue: kindText) else {
                throw kindNode.fail(
                    "unknown provider kind \"\(kindText)\" (expected one of: \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var provider = ProviderConfig(name: name, kind: kind)
            if let baseNode = keys["base_url"], !baseNode.isNull {
                let base = try baseNode.string()
                guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                    throw baseNode.fail("expected an http:// or https:// URL, found \"\(base)\"")
                }
                provider.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            }
            provider.apiKey = try keys["api_key"].map { (node) throws(ConfigError) in try node.string() }
            provider.headers = try keys["headers"].map { (node) throws(ConfigError) in try node.stringMap() } ?? [:]
            provider.anthropicVersion =
                try keys["anthropic_version"].map { (node) throws(ConfigError) in try node.string() } ?? provider.anthropicVersion
            provider.defaultMaxTokens =
                try keys["default_max_tokens"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? provider.defaultMaxTokens
            provider.maxConnections =
                try keys["max_connections"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? provider.maxConnections
            if let proxyNode = keys["proxy"], !proxyNode.isNull {
                let proxy = try proxyNode.string()
                guard proxy == "direct" || (proxy.hasPrefix("http://") && proxy.count > 7) else {
                    // A URL may hold credentials: it is not quoted back.
                    throw proxyNode.fail("expected an http:// proxy URL or \"direct\"")
                }
                provider.proxy = proxy
            }
            result.append(provider)
        }
        return result
    }

    private static func models(_ node: ConfigNode, providers: [ProviderConfig]) throws(ConfigError) -> [ModelConfig] {
        var result: [ModelConfig] = []
        for item in try node.sequence() {
            let keys = try item.mapping(allowed: [
                "name", "targets", "timeout_ms", "first_token_timeout_ms", "retries", "guardrails", "rpm", "tpm", "cache", "router",
                "max_input_tokens", "input_overflow", "max_output_tokens", "prompt_caching", "fallback_answer",
            ])
            let name = try required("name", in: keys, of: item).string()
            guard !name.isEmpty else { throw keys["name"]!.fail("must not be empty") }
            if result.contains(where: { $0.name == name }) { throw keys["name"]!.fail("duplicate model name \"\(name)\"") }
            let router = try keys["router"].map(router)
            if router != nil, keys["targets"] != nil { throw item.fail("a router has rules, not targets") }
            var targets: [TargetConfig] = []
            for targetNode in try router == nil ? required("targets", in: keys, of: item).sequence() : [] {
                let targetKeys = try targetNode.mapping(allowed: ["provider", "model"])
                let providerNode = try required("provider", in: targetKeys, of: targetNode)
                let providerName = try providerNode.string()
                guard providers.contains(where: { $0.name == providerName }) else {
                    let known = providers.map(\.name).joined(separator: ", ")
                    throw providerNode.fail("unknown provider \"\(providerName)\" (configured: \(known.isEmpty ? "none" : known))")
                }
                let model = try required("model", in: targetKeys, of: targetNode).string()
                targets.append(TargetConfig(provider: providerName, model: model))
            }
            if router == nil, targets.isEmpty { throw keys["targets"]!.fail("a model needs at least one target") }
            let timeout = try keys["timeout_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) } ?? 30_000
            let firstToken = try keys["first_token_timeout_ms"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            let retries = try keys["retries"].map { (node) throws(ConfigError) in try node.int(atLeast: 0) } ?? 1
            var model = ModelConfig(name: name, targets: targets, timeoutMs: timeout, firstTokenTimeoutMs: firstToken, retries: retries)
            model.guardrails = try keys["guardrails"].map(guardrails)
            if let answer = keys["fallback_answer"], !answer.isNull {
                let text = try answer.string()
                guard !text.isEmpty else { throw answer.fail("must be the text to answer with when every target is down") }
                model.fallbackAnswer = text
            }
            model.router = router
            model.maxInputTokens = try keys["max_input_tokens"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            model.maxOutputTokens = try keys["max_output_tokens"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            if let cachingNode = keys["prompt_caching"] {
                if router != nil { throw cachingNode.fail("a router has no targets of its own: set it on the models it routes to") }
                model.promptCaching = try cachingNode.bool()
            }
            if let overflowNode = keys["input_overflow"] {
                let text = try overflowNode.string()
                guard let overflow = ModelConfig.InputOverflow(rawValue: text) else {
                    throw overflowNode.fail("expected reject or prune, found \"\(text)\"")
                }
                model.inputOverflow = overflow
            }
            model.rpm = try keys["rpm"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            model.tpm = try keys["tpm"].map { (node) throws(ConfigError) in try node.int(atLeast: 1) }
            if let cacheNode = keys["cache"], !cacheNode.isNull {
                let cacheKeys = try cacheNode.mapping(allowed: ["ttl_s", "semantic", "shared_across_keys"])
                model.cacheTTLSeconds = try required("ttl_s", in: cacheKeys, of: cacheNode).int(atLeast: 1)
                model.cacheSharedAcrossKeys = try cacheKeys["shared_across_keys"].map { (node) throws(ConfigError) in try node.bool() } ?? false
                if let semanticNode = cacheKeys["semantic"], !semanticNode.isNull {
                    let semanticKeys = try semanticNode.mapping(allowed: ["embedding_model", "threshold"])
                    var semantic = SemanticCacheConfig(embeddingModel: try required("embedding_model", in: semanticKeys, of: semanticNode).string())
                    if let thresholdNode = semanticKeys["threshold"] {
                        semantic.threshold = try thresholdNode.double()
                        guard semantic.threshold > 0, semantic.threshold <= 1 else { throw thresholdNode.fail("must be above 0 and at most 1") }
                    }
                    model.semanticCache = semantic
                }
            }
            result.append(model)
        }
        return result
    }

    static func required(_ key: String, in keys: [String: ConfigNode], of parent: ConfigNode) throws(ConfigError) -> ConfigNode {
        guard let node = keys[key], !node.isNull else {
            throw ConfigError(file: parent.file, key: parent.path.isEmpty ? key : "\(parent.path).\(key)", problem: "is required")
        }
        return node
    }
}
