import Foundation
import KeelCore
import KeelGateway
import KeelMonitor
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// The incident layer's loop in `keel serve`: every `interval` the detectors look at the
/// signals and at the events stored lately, the `IncidentBoard` says what opened, changed or
/// resolved, and this carries it out: a new incident correlated with what changed before it
/// and given the actions the remediation policy allows, every incident stored, its trigger or
/// resolve (and reminders while it stays open) sent to every channel, each delivery and action
/// on its timeline. Acknowledgements, resolutions and reverts asked for elsewhere (the CLI, on
/// the store) are taken in at each look.
///
/// In a fleet (a store with `StoreLeadership`) one replica leads: it alone detects, opens
/// incidents, notifies and acts; the others follow, putting in force the traffic overrides of
/// the actions the leader applied (read from the open incidents at each look). When the leader
/// dies, another takes the role within seconds and adopts the open incidents.
final class MonitorService: Service, Sendable {
    typealias Store = RolloutStore & PromptStore & TraceStore & EvalRunStore & IncidentStore

    private let settings: MonitorSettings
    private let book: SignalBook
    private let detectors: [any Detector]
    private let sloDetector: SLOBurnDetector
    private let events: EventDetector
    private let changes: ChangeFeed
    private let store: any Store
    private let alerts: AlertSender
    private let gateway: Gateway
    private let remedies: RemedyDesk
    private let logger: Logger
    private let board: Mutex<IncidentBoard>
    /// When each open incident's channels were last told of it.
    private let lastNotified = Mutex<[String: Date]>([:])
    private let leadership: (any StoreLeadership)?
    /// Whether this process leads the fleet's monitor (always, without a leadership).
    private let leading: Mutex<Bool>

    init(
        settings: MonitorSettings, remediation: RemediationSettings, slos: [SLO] = [], book: SignalBook, store: any Store, gateway: Gateway,
        rollouts: RolloutDriver, alerts: AlertSender, leadership: (any StoreLeadership)? = nil, logger: Logger
    ) {
        self.leadership = leadership
        leading = Mutex(leadership == nil)
        self.settings = settings
        self.book = book
        self.store = store
        self.alerts = alerts
        self.gateway = gateway
        self.logger = logger
        board = Mutex(IncidentBoard(resolveAfter: settings.resolveAfter))
        var detectors: [any Detector] = []
        if let rule = settings.targetErrors { detectors.append(TargetErrorDetector(rule: rule)) }
        if let rule = settings.costPerRequest { detectors.append(SpikeDetector(rule: rule)) }
        if let rule = settings.tokensPerRequest { detectors.append(SpikeDetector(rule: rule)) }
        if let rule = settings.quality { detectors.append(QualityDetector(rule: rule)) }
        self.detectors = detectors
        sloDetector = SLOBurnDetector(slos: slos)
        events = EventDetector(modelVersions: settings.modelVersionChanged, budgets: settings.budget)
        let eventWindows = [settings.modelVersionChanged?.window ?? 0, settings.budget?.window ?? 0]
        changes = ChangeFeed(store: store, horizon: max(settings.correlationWindow, eventWindows.max() ?? 0))
        remedies = RemedyDesk(
            planner: RemediationPlanner(settings: remediation), executor: RemediationExecutor(gateway: gateway, store: store, rollouts: rollouts),
            logger: logger)
    }

    var failingChannels: [String] { alerts.failingChannels }

    /// Whether this process leads the fleet's monitor (`/healthz`).
    var leads: Bool { leading.withLock { $0 } }

    /// Every SLO's burn rate over each of its windows (`/metrics`).
    func sloBurnRates(now: Date = Date()) -> [(slo: String, window: TimeInterval, rate: Double)] {
        guard let sloBook = book.mirror else { return [] }
        return sloDetector.burnRates(in: sloBook, now: now)
    }

    /// Open incidents by kind and severity (`/metrics`).
    var openIncidents: [Incident] { board.withLock { Array($0.open.values) } }

    func run() async throws {
        await adoptStored()
        await withTaskGroup(of: Void.self) { group in
            if let leadership {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        await leadership.lead("keel_monitor") { gained in await self.leadershipChanged(gained) }
                    }
                }
            }
            while !Task.isShuttingDownGracefully {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(self.settings.interval * 1000))) }
                } catch {
                    break
                }
                if leading.withLock({ $0 }) { await look(now: Date()) } else { await follow(now: Date()) }
            }
            group.cancelAll()
        }
    }

    private func leadershipChanged(_ gained: Bool) async {
        leading.withLock { $0 = gained }
        logger.notice(gained ? "this replica leads the monitor" : "this replica no longer leads the monitor")
        if gained { await adoptStored() }
    }

    /// A follower's look: the overrides of the actions in force on the open incidents, and no
    /// others (the leader's reverts and expiries reach here too).
    private func follow(now: Date) async {
        do {
            let open = try await store.incidents(status: "open", limit: 1000).compactMap { Incident(json: $0.body) }
            remedies.reinstate(open, now: now)
            let inForce = Set(open.flatMap { $0.actions.filter { $0.status == .applied }.map(\.id) })
            for override in gateway.overrides.active(now: now) where !inForce.contains(override.id) { gateway.overrides.lift(id: override.id) }
        } catch {
            logger.error("the leader's incidents could not be read", metadata: ["error": "\(error)"])
        }
    }

    private func adoptStored() async {
        do {
            let open = try await store.incidents(status: "open", limit: 1000).compactMap { Incident(json: $0.body) }
            board.withLock { $0.adopt(open) }
            remedies.reinstate(open, now: Date())
        } catch {
            logger.error("open incidents could not be read back", metadata: ["error": "\(error)"])
        }
    }

    /// One look: findings in, changes carried out.
    func look(now: Date) async {
        await takeInChangesMadeElsewhere(now: now)
        do {
            try await changes.refresh(now: now)
        } catch {
            logger.error("the monitor could not read the stored events", metadata: ["error": "\(error)"])
        }
        var findings = detectors.flatMap { $0.findings(in: book, now: now) } + events.findings(in: changes.events, now: now)
        if let sloBook = book.mirror { findings += sloDetector.findings(in: sloBook, now: now) }
        let boardChanges = board.withLock { $0.observe(findings, now: now) }
        for change in boardChanges {
            switch change {
            case .opened(var incident):
                logger.warning(
                    "incident opened", metadata: ["incident": "\(incident.id)", "kind": "\(incident.kind.rawValue)", "title": "\(incident.title)"])
                incident = await respond(to: incident, now: now)
                await save(incident)
                notify(incident, resolved: false, now: now)
            case .updated(var incident):
                if incident.timeline.last?.type == "recovering", remedies.noteRecovery(of: &incident, at: now) {
                    board.withLock { $0.replace(incident) }
                }
                await save(incident)
            case .resolved(var incident):
                logger.notice("incident resolved", metadata: ["incident": "\(incident.id)"])
                _ = remedies.noteRecovery(of: &incident, at: now)
                await save(incident)
                notify(incident, resolved: true, now: now)
            }
        }
        await expireAndRemind(now: now)
    }

    /// A new incident's likely causes, then the actions the policy allows for them.
    private func respond(to opened: Incident, now: Date) async -> Incident {
        var incident = opened
        let topology = currentTopology()
        let finding = Finding(
            kind: incident.kind, scope: incident.scope, severity: incident.severity, title: incident.title, figures: incident.figures)
        incident.causes = Correlator(lookback: settings.correlationWindow, topology: topology)
            .causes(of: finding, at: now, changes: changes.changes, book: book)
        if !incident.causes.isEmpty {
            incident.timeline.append(Incident.Event(at: now, type: "causes", detail: ["causes": .array(incident.causes.map(\.json))]))
        }
        var situation = RemediationPlanner.Situation(topology: topology)
        situation.failingTargets = failingTargets(now: now)
        situation.ejectedTargets = Set(
            gateway.overrides.active(now: now).compactMap { override -> String? in
                if case .eject(let target) = override.change { return target }
                return nil
            })
        situation.activeRollouts = Dictionary(
            ((try? await store.rollouts(status: .active)) ?? []).map { ($0.id, $0.subject) }
        ) { first, _ in first }
        situation.promptLabels = promptLabels()
        situation.actionsInForce = board.withLock { board in
            Set(board.open.values.flatMap { $0.actions.filter { $0.status == .applied }.map(\.identity) })
        }
        await remedies.act(on: &incident, in: situation, now: now)
        board.withLock { $0.replace(incident) }
        return incident
    }

    private func currentTopology() -> Topology {
        let snapshot = gateway.snapshot
        var modelTargets: [String: [String]] = [:]
        for model in snapshot.config.models { modelTargets[model.name] = model.targets.map(TrafficOverrides.key) }
        var promptModels: [String: String] = [:]
        for name in snapshot.prompts.names {
            if let newest = snapshot.prompts.newestVersion(of: name), let version = snapshot.prompts.version(name: name, version: newest) {
                promptModels[name] = version.definition.model
            }
        }
        return Topology(modelTargets: modelTargets, promptModels: promptModels)
    }

    private func promptLabels() -> [String: [String: Int]] {
        let prompts = gateway.snapshot.prompts
        return Dictionary(uniqueKeysWithValues: prompts.names.map { ($0, prompts.labels(of: $0)) })
    }

    /// The targets the target-error detector finds failing now (its default rule when it is off).
    private func failingTargets(now: Date) -> Set<String> {
        let detector = TargetErrorDetector(rule: settings.targetErrors ?? MonitorSettings.TargetErrorRule())
        return Set(detector.findings(in: book, now: now).map(\.scope.value))
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
        notify(incident, resolved: true, now: Date())
        return incident
    }

    /// Reverts an applied action (`POST /api/incidents/{id}/actions/{action}/revert`): the
    /// incident with it reverted. A replica that does not lead the monitor asks the leader to,
    /// through the store (its copy of the incident is the leader's, as of its last look): the
    /// action is then `revert_requested` until the leader's next look.
    func revert(action actionID: String, on incidentID: String, by who: String) async throws -> Incident {
        guard leads else {
            var incident = try await stored(incidentID)
            try incident.requestRevert(of: actionID, by: who, at: Date())
            await save(incident)
            return incident
        }
        var incident: Incident
        if let open = board.withLock({ $0.open.values.first { $0.id == incidentID } }) {
            incident = open
        } else {
            incident = try await stored(incidentID)
        }
        try await remedies.revert(action: actionID, on: &incident, by: who, now: Date())
        board.withLock { $0.replace(incident) }
        await save(incident)
        return incident
    }

    private func stored(_ incidentID: String) async throws -> Incident {
        guard let record = try await store.incident(id: incidentID), let incident = Incident(json: record.body) else {
            throw KeelError(
                status: 404, type: "invalid_request_error", message: "No incident has the id '\(incidentID)'.", code: "incident_not_found")
        }
        return incident
    }

    private func notify(_ incident: Incident, resolved: Bool, now: Date) {
        lastNotified.withLock { $0[incident.id] = resolved ? nil : now }
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

    /// Actions whose time ran out are marked so; incidents open and unacknowledged past the
    /// re-notify interval are sent again.
    private func expireAndRemind(now: Date) async {
        for var incident in board.withLock({ Array($0.open.values) }) {
            let expired = remedies.expire(on: &incident, now: now)
            var remind = false
            if let every = settings.renotifyAfter, incident.status == .open,
                let last = lastNotified.withLock({ $0[incident.id] }), now.timeIntervalSince(last) >= every
            {
                incident.timeline.append(Incident.Event(at: now, type: "renotified", detail: ["after_s": .double(every)]))
                remind = true
            }
            guard expired || remind else { continue }
            // On the board before the reminder goes out, so that its deliveries land on this copy.
            board.withLock { $0.replace(incident) }
            await save(incident)
            if remind { notify(incident, resolved: false, now: now) }
        }
    }

    /// Acknowledgements, resolutions and revert requests written to the store by `keel incidents`.
    private func takeInChangesMadeElsewhere(now: Date) async {
        let openIDs = board.withLock { Set($0.open.values.map(\.id)) }
        guard let recent = try? await store.incidents(status: String?.none, limit: 200) else { return }
        for record in recent {
            guard let stored = Incident(json: record.body) else { continue }
            let isOnBoard = openIDs.contains(stored.id)
            if isOnBoard {
                switch stored.status {
                case .resolved:
                    let by = Self.actor(of: "resolved", in: stored) ?? "keel incidents"
                    if let ended = board.withLock({ $0.resolve(id: stored.id, by: by, now: stored.resolvedAt ?? now) }) {
                        notify(ended, resolved: true, now: now)
                    }
                case .acknowledged:
                    let by = Self.actor(of: "acknowledged", in: stored) ?? "keel incidents"
                    if let acknowledged = board.withLock({ $0.acknowledge(id: stored.id, by: by, now: stored.acknowledgedAt ?? now) }) {
                        await save(acknowledged)
                    }
                case .open: break
                }
            }
            for request in stored.actions where request.status == .revertRequested {
                let by = Self.actor(of: "revert_requested", in: stored) ?? "keel incidents"
                do {
                    _ = try await revert(action: request.id, on: stored.id, by: by)
                } catch {
                    logger.error("an action could not be reverted", metadata: ["action": "\(request.id)", "error": "\(error)"])
                }
            }
        }
    }

    /// Who did the latest `type` event of the incident's timeline.
    private static func actor(of type: String, in incident: Incident) -> String? {
        incident.timeline.last { $0.type == type }?.detail["by"]?.stringValue
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
