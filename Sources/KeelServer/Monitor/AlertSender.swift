import Foundation
import KeelCore
import KeelMonitor
import KeelProviders
import Logging
import Synchronization

/// Sends incidents to the `alerts:` channels: each message on a task of its own, retried with
/// backoff, so that a slow or broken channel never holds the monitor, let alone the gateway. Each
/// channel's failures are counted for `/healthz`.
final class AlertSender: Sendable {
    /// A channel's state, for `/healthz`.
    struct Health: Sendable, Equatable {
        var sent = 0
        var failed = 0
        var consecutiveFailures = 0
        var lastError: String?
    }

    let channels: [AlertChannel]
    private let http: UpstreamHTTPClient
    private let source: String
    private let link: @Sendable (String) -> String?
    private let logger: Logger
    private let health = Mutex<[String: Health]>([:])
    static let retryDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4)]

    init(channels: [AlertChannel], http: UpstreamHTTPClient, source: String, link: @escaping @Sendable (String) -> String?, logger: Logger) {
        self.channels = channels
        self.http = http
        self.source = source
        self.link = link
        self.logger = logger
    }

    var snapshot: [String: Health] { health.withLock { $0 } }

    /// A channel failing its last three messages or more.
    var failingChannels: [String] { snapshot.filter { $0.value.consecutiveFailures >= 3 }.map(\.key).sorted() }

    /// Sends the incident's trigger (or resolve) to every channel; `done` gets each outcome, as
    /// a timeline event, once its retries are over.
    func send(_ incident: Incident, resolved: Bool, only channelName: String? = nil, done: @escaping @Sendable (Incident.Event) -> Void) {
        for channel in channels where channelName == nil || channel.name == channelName {
            let body = payload(incident, channel: channel, resolved: resolved)
            Task {
                let event = await deliver(body, to: channel, incidentID: incident.id, resolved: resolved)
                done(event)
            }
        }
    }

    /// Sends to every channel and waits for every outcome (`keel incidents drill`).
    func sendAndWait(_ incident: Incident, resolved: Bool) async -> [Incident.Event] {
        await withTaskGroup(of: Incident.Event.self) { group in
            for channel in channels {
                let body = payload(incident, channel: channel, resolved: resolved)
                group.addTask { await self.deliver(body, to: channel, incidentID: incident.id, resolved: resolved) }
            }
            var events: [Incident.Event] = []
            for await event in group { events.append(event) }
            return events
        }
    }

    func payload(_ incident: Incident, channel: AlertChannel, resolved: Bool) -> JSONObject {
        switch channel.kind {
        case .pagerduty:
            return AlertPayload.pagerDuty(incident, routingKey: channel.routingKey ?? "", resolved: resolved, source: source, link: link(incident.id))
        case .slack:
            return AlertPayload.slack(incident, resolved: resolved, link: link(incident.id))
        case .webhook:
            return AlertPayload.alertmanager(incident, resolved: resolved, link: link(incident.id), receiver: channel.name)
        }
    }

    private func deliver(_ body: JSONObject, to channel: AlertChannel, incidentID: String, resolved: Bool) async -> Incident.Event {
        var lastError = ""
        for (attempt, delay) in ([Duration.zero] + Self.retryDelays).enumerated() {
            if delay > .zero { try? await Task.sleep(for: delay) }
            do {
                _ = try await http.postJSON(url: channel.url, headers: [("user-agent", "keel")], body: body)
                return succeeded(channel, resolved: resolved, attempts: attempt + 1)
            } catch let error as UpstreamError where error.kind == .invalidResponse {
                // A 2xx whose body is not JSON (Slack answers "ok"): delivered.
                return succeeded(channel, resolved: resolved, attempts: attempt + 1)
            } catch {
                lastError = "\(error)"
            }
        }
        health.withLock { health in
            health[channel.name, default: Health()].failed += 1
            health[channel.name, default: Health()].consecutiveFailures += 1
            health[channel.name, default: Health()].lastError = String(lastError.prefix(300))
        }
        logger.error(
            "an alert could not be delivered",
            metadata: [
                "channel": "\(channel.name)", "url": "\(channel.redactedURL)", "incident": "\(incidentID)", "error": "\(lastError.prefix(300))",
            ])
        return Incident.Event(
            at: Date(), type: "notification_failed",
            detail: [
                "channel": .string(channel.name), "kind": .string(channel.kind.rawValue), "event": resolved ? "resolve" : "trigger",
                "error": .string(String(lastError.prefix(300))), "attempts": .int(Int64(Self.retryDelays.count + 1)),
            ])
    }

    private func succeeded(_ channel: AlertChannel, resolved: Bool, attempts: Int) -> Incident.Event {
        health.withLock { health in
            health[channel.name, default: Health()].sent += 1
            health[channel.name, default: Health()].consecutiveFailures = 0
        }
        return Incident.Event(
            at: Date(), type: "notified",
            detail: [
                "channel": .string(channel.name), "kind": .string(channel.kind.rawValue), "event": resolved ? "resolve" : "trigger",
                "attempts": .int(Int64(attempts)),
            ])
    }
}
