import Foundation
import KeelCore
import KeelGateway
import KeelPrompts
import KeelStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the rollouts of a serving gateway: once a second it takes in the store's rollouts when
/// they changed (a start, an abort or promotion by hand, another process's step) and lets
/// time-based steps advance; it carries out every decision of the board's state machines off
/// the request path.
final class RolloutDriver: Service, Sendable {
    private let store: any RolloutStore & PromptStore & TraceStore
    private let gateway: Gateway
    private var board: RolloutBoard { gateway.rollouts }
    private let prompts: PromptCatalogRefresher
    private let interval: Duration
    private let logger: Logger
    private let seen = Mutex<Int64?>(nil)

    init(
        store: any RolloutStore & PromptStore & TraceStore, gateway: Gateway, prompts: PromptCatalogRefresher, interval: Duration = .seconds(1),
        logger: Logger
    ) {
        self.store = store
        self.gateway = gateway
        self.prompts = prompts
        self.interval = interval
        self.logger = logger
    }

    /// Serves the store's active rollouts, when they changed since the last look, and the
    /// promoted rollouts of models whose keel.yaml does not yet name the candidate first.
    func sync() async throws {
        let revision = try await store.rolloutRevision()
        guard seen.withLock({ $0 }) != revision else { return }
        var active: [(spec: RolloutSpec, state: RolloutState)] = []
        let promotedModels = try await store.rollouts(status: .promoted).filter { $0.subject.hasPrefix("model:") }
        for record in try await store.rollouts(status: .active) + promotedModels {
            do {
                let rollout = try RolloutActions.rollout(record)
                if case .model(let name, let candidate) = rollout.spec.subject, rollout.state.status == .promoted,
                    let first = gateway.config.model(named: name)?.targets.first, "\(first.provider)/\(first.model)" == candidate
                {
                    continue
                }
                active.append((rollout.spec, rollout.state))
            } catch {
                logger.error("a stored rollout does not read and is not served", metadata: ["rollout": "\(record.id)", "error": "\(error)"])
            }
        }
        board.sync(active: active)
        seen.withLock { $0 = revision }
    }

    func run() async throws {
        let actions = RolloutActions(store: store)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await decisions in self.board.actions.cancelOnGracefulShutdown() {
                    await self.carryOut(decisions, with: actions)
                }
            }
            group.addTask {
                while !Task.isShuttingDownGracefully {
                    do {
                        try await self.sync()
                    } catch {
                        self.logger.warning("could not read the rollouts; the last ones keep serving", metadata: ["error": "\(error)"])
                    }
                    self.board.tick()
                    try? await Task.sleep(for: self.interval)
                }
            }
        }
    }

    private func carryOut(_ decisions: RolloutBoard.Decisions, with actions: RolloutActions) async {
        for action in decisions.actions {
            switch action {
            case .advanced(let step, let weight):
                logger.notice("rollout advanced", metadata: ["rollout": "\(decisions.rolloutID)", "step": "\(step)", "weight": "\(weight)"])
            case .aborted(let guardName, let reason):
                logger.warning(
                    "rollout aborted", metadata: ["rollout": "\(decisions.rolloutID)", "guard": "\(guardName.rawValue)", "reason": "\(reason)"])
            case .promoted:
                logger.notice("rollout promoted", metadata: ["rollout": "\(decisions.rolloutID)"])
            case .persist, .event:
                break
            }
        }
        do {
            try await actions.carryOut(decisions.actions, of: decisions.spec)
            if let pair = decisions.shadowPair {
                try await store.recordShadowPair(
                    ShadowPair(
                        rolloutID: decisions.rolloutID, stableTraceID: pair.stableTraceID, candidateTraceID: pair.candidateTraceID,
                        similarity: pair.similarity, createdAt: Date()))
            }
            if decisions.actions.contains(.promoted) { try await prompts.refresh() }
        } catch {
            logger.error("could not record a rollout's decision", metadata: ["rollout": "\(decisions.rolloutID)", "error": "\(error)"])
        }
    }
}
