import Foundation
import KeelCore
import KeelMonitor
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// The incident layer's loop in `keel serve`: every `interval` the detectors look at the
/// signals, the `IncidentBoard` says what opened, changed or resolved, and this carries it out:
/// the incident stored, its trigger or resolve sent to every channel, each delivery on its
/// timeline. Acknowledgements and resolutions made elsewhere (the CLI on the store) are taken
/// in at each look.
final class MonitorService: Service, Sendable {
    private let settings: MonitorSettings
    private let book: SignalBook
    private let detectors: [any Detector]
    private let store: any IncidentStore
    private let alerts: AlertSender
    private let logger: Logger
    private let board: Mutex<IncidentBoard>

    init(settings: MonitorSettings, book: SignalBook, store: any IncidentStore, alerts: AlertSender, logger: Logger) {
        self.settings = settings
        self.book = book
        self.store = store
        self.alerts = alerts
        self.logger = logger
        board = Mutex(IncidentBoard(resolveAfter: settings.resolveAfter))
        var detectors: [any Detector] = []
        if let rule = settings.targetErrors { detectors.append(TargetErrorDetector(rule: rule)) }
        if let rule = settings.costPerRequest { detectors.append(SpikeDetector(rule: rule)) }
        if let rule = settings.tokensPerRequest { detectors.append(SpikeDetector(rule: rule)) }
        if let rule = settings.quality { detectors.append(QualityDetector(rule: rule)) }
        self.detectors = detectors
    }

    var failingChannels: [String] { alerts.failingChannels }

    func run() async throws {
        await adoptStored()
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(self.settings.interval * 1000))) }
            } catch {
                return
            }
            await look(now: Date())
        }
    }

    private func adoptStored() async {
        do {
            let open = try await store.incidents(status: "open", limit: 1000).compactMap { Incident(json: $0.body) }
            board.withLock { $0.adopt(open) }
        } catch {
            logger.error("open incidents could not be read back", metadata: ["error": "\(error)"])
        }
    }

    /// One look: findings in, changes carried out.
    func look(now: Date) async {
        await takeInChangesMadeElsewhere()
        let findings = detectors.flatMap { $0.findings(in: book, now: now) }
        let changes = board.withLock { $0.observe(findings, now: now) }
        for change in changes {
            switch change {
            case .opened(let incident):
                logger.warning(
                    "incident opened", metadata: ["incident": "\(incident.id)", "kind": "\(incident.kind.rawValue)", "title": "\(incident.title)"])
                await save(incident)
                notify(incident, resolved: false)
            case .updated(let incident):
                await save(incident)
            case .resolved(let incident):
                logger.notice("incident resolved", metadata: ["incident": "\(incident.id)"])
                await save(incident)
                notify(incident, resolved: true)
            }
        }
    }

    /// A person acknowledges an open incident (`POST /api/incidents/{id}/ack`).
    func acknowledge(id: String, by who: String) async -> Incident? {
        guard let incident = board.withLock({ $0.acknowledge(id: id, by: who, now: Date()) }) else { return nil }
        await save(incident)
        return incident
    }

    /// A person resolves an open incident; its channels get the resolve.
    func resolve(id: String, by who: String) async -> Incident? {
        guard let incident = board.withLock({ $0.resolve(id: id, by: who, now: Date()) }) else { return nil }
        await save(incident)
        notify(incident, resolved: true)
        return incident
    }

    private func notify(_ incident: Incident, resolved: Bool) {
        alerts.send(incident, resolved: resolved) { [weak self] event in
            guard let self else { return }
            Task { await self.recordDelivery(event, on: incident) }
        }
    }

    /// A delivery's outcome on the incident's timeline (stored again, open or not).
    private func recordDelivery(_ event: Incident.Event, on incident: Incident) async {
        if let updated = board.withLock({ $0.record(event, on: incident.id) }) {
            await save(updated)
        } else if let stored = try? await store.incident(id: incident.id), var closed = Incident(json: stored.body) {
            closed.timeline.append(event)
            await save(closed)
        }
    }

    /// Incidents acknowledged or resolved in the store by `keel incidents` since the last look.
    private func takeInChangesMadeElsewhere() async {
        let openIDs = board.withLock { Set($0.open.values.map(\.id)) }
        guard !openIDs.isEmpty else { return }
        for id in openIDs {
            guard let stored = try? await store.incident(id: id), let incident = Incident(json: stored.body) else { continue }
            switch incident.status {
            case .resolved:
                if let ended = board.withLock({ $0.resolve(id: id, by: "keel incidents", now: incident.resolvedAt ?? Date()) }) {
                    notify(ended, resolved: true)
                }
            case .acknowledged: _ = board.withLock { $0.acknowledge(id: id, by: "keel incidents", now: incident.acknowledgedAt ?? Date()) }
            case .open: break
            }
        }
    }

    private func save(_ incident: Incident) async {
        do {
            try await store.saveIncident(
                IncidentRecord(id: incident.id, status: incident.status.rawValue, openedAt: incident.openedAt, body: incident.storedJSON))
        } catch {
            logger.error("an incident could not be stored", metadata: ["incident": "\(incident.id)", "error": "\(error)"])
        }
    }
}
