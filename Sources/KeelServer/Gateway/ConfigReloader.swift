import Foundation
import KeelCore
import KeelGateway
import KeelProviders
import KeelStore
import Logging
import ServiceLifecycle
import UnixSignals

/// Where the gateway's configuration comes from, read again on a reload: keel.yaml with the
/// command line's overrides, checked as at start.
public struct ConfigSource: Sendable {
    public let description: String
    public let load: @Sendable () throws -> KeelConfig

    public init(description: String, load: @escaping @Sendable () throws -> KeelConfig) {
        self.description = description
        self.load = load
    }
}

/// Reads the configuration again and swaps the gateway onto it (SIGHUP, `POST /api/config/reload`).
/// A file that does not load is refused with the message it would get at start, and the
/// snapshot in service keeps serving.
final class ConfigReloader: Sendable {
    private let source: ConfigSource
    private let gateway: Gateway
    private let http: UpstreamHTTPClient
    /// What the process started with: the parts read only at start are compared with it.
    private let started: KeelConfig
    /// Where a reload is recorded (a `config_reloaded` event, a change correlation weighs).
    private let events: (any TraceStore)?
    private let logger: Logger

    init(source: ConfigSource, gateway: Gateway, http: UpstreamHTTPClient, started: KeelConfig, events: (any TraceStore)? = nil, logger: Logger) {
        self.source = source
        self.events = events
        self.gateway = gateway
        self.http = http
        self.started = started
        self.logger = logger
    }

    /// What a reload did: the models now served, and the changed settings that wait for a restart.
    struct Outcome: Sendable {
        var models: [String]
        var restartRequired: [String]

        var json: JSONValue {
            [
                "status": "reloaded", "models": .array(models.map(JSONValue.string)),
                "restart_required": .array(restartRequired.map(JSONValue.string)),
            ]
        }
    }

    func reload() throws(KeelError) -> Outcome {
        let config: KeelConfig
        do {
            config = try source.load()
        } catch {
            logger.error("configuration reload refused; the running configuration keeps serving", metadata: ["error": "\(error)"])
            throw KeelError(
                status: 422, type: "invalid_request_error", message: "The configuration was not reloaded: \(error)", code: "invalid_config")
        }
        let before = gateway.config
        gateway.reload(config: config, providers: ProviderFactory.make(config.providers, http: http), prices: .builtIn(overrides: config.pricing))
        let outcome = Outcome(models: config.models.map(\.name), restartRequired: Self.restartOnly(started, config))
        if let events {
            let changed = Self.changedModels(before, config)
            var detail: JSONObject = ["source": .string(source.description), "models_changed": .array(changed.map(JSONValue.string))]
            if changed.count == 1 { detail["model"] = .string(changed[0]) }
            let event = StoredEvent(createdAt: Date(), kind: "config_reloaded", provider: nil, upstreamModel: nil, detail: .object(detail))
            Task { try? await events.recordEvent(event) }
        }
        logger.notice(
            "configuration reloaded",
            metadata: ["source": "\(source.description)", "restart_required": "\(outcome.restartRequired.joined(separator: ","))"])
        return outcome
    }

    /// The models added, removed or changed from `old` to `new`, by name.
    static func changedModels(_ old: KeelConfig, _ new: KeelConfig) -> [String] {
        let names = Set(old.models.map(\.name)).union(new.models.map(\.name))
        return names.filter { old.model(named: $0) != new.model(named: $0) }.sorted()
    }

    /// The sections a running gateway reads only at start, by name, where `new` differs from `old`.
    static func restartOnly(_ old: KeelConfig, _ new: KeelConfig) -> [String] {
        var changed: [String] = []
        if old.server != new.server { changed.append("server") }
        if old.storage != new.storage { changed.append("storage") }
        if old.telemetry != new.telemetry { changed.append("telemetry") }
        if old.auth != new.auth { changed.append("auth") }
        if old.resilience.breakerFailureThreshold != new.resilience.breakerFailureThreshold
            || old.resilience.breakerCooldownMs != new.resilience.breakerCooldownMs
            || old.resilience.retryBudgetRatio != new.resilience.retryBudgetRatio
            || old.resilience.retryBudgetMinPerSecond != new.resilience.retryBudgetMinPerSecond
        {
            changed.append("resilience (breakers, retry budget)")
        }
        if old.cacheMaxBytes != new.cacheMaxBytes { changed.append("cache.max_bytes") }
        if old.batchConcurrency != new.batchConcurrency { changed.append("batch.concurrency") }
        return changed
    }
}

/// Reloads the configuration on every SIGHUP while the gateway runs.
struct ReloadOnHangup: Service {
    let reloader: ConfigReloader
    /// Trapped before the server listens: a SIGHUP that came before this service ran would
    /// otherwise end the process (its default action).
    let hangups: UnixSignalsSequence

    init(reloader: ConfigReloader) async {
        self.reloader = reloader
        hangups = await UnixSignalsSequence(trapping: .sighup)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                _ = try? reloader.reload()
            }
        } onGracefulShutdown: {
        }
    }
}
