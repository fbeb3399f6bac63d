import Foundation
import KeelStore
import Synchronization

/// The monitor's memory of recent traffic: for each scope (a dimension and its value), figures
/// by time slot of `resolution` seconds, kept for `horizon`. A window's figures are the sum of
/// its slots, so any window up to the horizon is answered from memory, by any dimension.
public final class SignalBook: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Seconds per slot: the finest a window can be.
        public var resolution: TimeInterval
        /// How far back figures are kept.
        public var horizon: TimeInterval
        /// Distinct values kept per dimension (keys, users' teams): later ones are counted under `(other)`.
        public var maxScopesPerDimension: Int

        public init(resolution: TimeInterval = 1, horizon: TimeInterval = 3600, maxScopesPerDimension: Int = 1000) {
            self.resolution = max(0.001, resolution)
            self.horizon = max(resolution, horizon)
            self.maxScopesPerDimension = max(1, maxScopesPerDimension)
        }
    }

    struct ScopeKey: Hashable, Sendable {
        var dimension: SignalDimension
        var value: String
    }

    private struct State: Sendable {
        var series: [ScopeKey: [Int64: SignalFigures]] = [:]
        var scopeCounts: [SignalDimension: Int] = [:]
        var prunedAt: Int64 = 0
    }

    public static let overflowScope = "(other)"

    public let settings: Settings
    /// A coarser book kept over a longer horizon (the SLOs' windows) that gets everything this one does.
    public let mirror: SignalBook?
    private let state = Mutex(State())

    public init(settings: Settings = Settings(), mirror: SignalBook? = nil) {
        self.settings = settings
        self.mirror = mirror
    }

    private func slot(_ time: Date) -> Int64 { Int64((time.timeIntervalSince1970 / settings.resolution).rounded(.down)) }

    private var horizonSlots: Int64 { Int64((settings.horizon / settings.resolution).rounded(.up)) }

    /// A finished request: its own figures under each of its scopes, and each attempt under its target.
    public func record(_ trace: Trace) {
        record([trace])
    }

    /// Finished requests, as the trace writer hands them over: summed by scopes and time slot
    /// first (`SignalBatch`), so that each scope is updated once per batch.
    public func record(_ traces: [Trace]) {
        var requests: [RequestSignal] = []
        var attempts: [AttemptSignal] = []
        requests.reserveCapacity(traces.count)
        for trace in traces {
            requests.append(RequestSignal(trace: trace))
            attempts += AttemptSignal.attempts(of: trace)
        }
        record(requests, attempts: attempts)
    }

    public func record(_ request: RequestSignal, attempts: [AttemptSignal] = []) {
        record([request], attempts: attempts)
    }

    public func record(_ requests: [RequestSignal], attempts: [AttemptSignal]) {
        guard !requests.isEmpty || !attempts.isEmpty else { return }
        let batch = SignalBatch(requests, attempts: attempts, slot: { self.slot($0.time) }, attemptSlot: { self.slot($0.time) })
        state.withLock { state in
            for (group, figures) in batch.requests {
                for (dimension, value) in group.scopes {
                    update(&state, ScopeKey(dimension: dimension, value: value), group.slot) { $0.merge(figures) }
                }
            }
            for (group, figures) in batch.attempts {
                update(&state, ScopeKey(dimension: .target, value: group.target), group.slot) { $0.merge(figures) }
            }
            if let latest = batch.latestSlot { prune(&state, now: latest) }
        }
        mirror?.record(requests, attempts: attempts)
    }

    /// A score that came after its request (an online eval's verdict, a user's feedback), under
    /// the request's scopes, at the time it came.
    public func recordScore(_ name: String, value: Double, scopes: [SignalDimension: String], at time: Date = Date()) {
        let scoreSlot = slot(time)
        state.withLock { state in
            for (dimension, scope) in scopes {
                update(&state, ScopeKey(dimension: dimension, value: scope), scoreSlot) { $0.addScore(name, value) }
            }
        }
        mirror?.recordScore(name, value: value, scopes: scopes, at: time)
    }

    private func update(_ state: inout State, _ key: ScopeKey, _ slot: Int64, _ change: (inout SignalFigures) -> Void) {
        // A scope seen before, the usual case, is looked up once.
        if let index = state.series.index(forKey: key) {
            return change(&state.series.values[index][slot, default: SignalFigures()])
        }
        var key = key
        if state.scopeCounts[key.dimension, default: 0] >= settings.maxScopesPerDimension {
            key.value = Self.overflowScope
        }
        if state.series[key] == nil {
            state.series[key] = [:]
            state.scopeCounts[key.dimension, default: 0] += 1
        }
        change(&state.series[key]![slot, default: SignalFigures()])
    }

    /// Drops slots past the horizon, at most once per tenth of it.
    private func prune(_ state: inout State, now: Int64) {
        let oldest = now - horizonSlots
        guard now - state.prunedAt >= max(1, horizonSlots / 10) else { return }
        state.prunedAt = now
        for key in Array(state.series.keys) {
            state.series[key] = state.series[key]!.filter { $0.key > oldest }
            if state.series[key]!.isEmpty {
                state.series[key] = nil
                state.scopeCounts[key.dimension, default: 1] -= 1
            }
        }
    }

    /// The figures of one scope over the `window` seconds up to `now`.
    public func figures(_ dimension: SignalDimension, _ value: String, window: TimeInterval, now: Date = Date()) -> SignalFigures {
        let (from, to) = range(window: window, now: now)
        return state.withLock { state in
            Self.sum(state.series[ScopeKey(dimension: dimension, value: value)], from: from, to: to)
        }
    }

    /// Every scope of a dimension over the window, busiest first.
    public func figures(groupBy dimension: SignalDimension, window: TimeInterval, now: Date = Date()) -> [(key: String, figures: SignalFigures)] {
        let (from, to) = range(window: window, now: now)
        let rows = state.withLock { state in
            state.series.compactMap { key, slots -> (key: String, figures: SignalFigures)? in
                guard key.dimension == dimension else { return nil }
                let figures = Self.sum(slots, from: from, to: to)
                return figures == SignalFigures() ? nil : (key.value, figures)
            }
        }
        return rows.sorted { ($0.figures.requests + $0.figures.attempts, $1.key) > ($1.figures.requests + $1.figures.attempts, $0.key) }
    }

    /// The values of a dimension seen within the horizon.
    public func scopes(of dimension: SignalDimension) -> [String] {
        state.withLock { state in state.series.keys.filter { $0.dimension == dimension }.map(\.value).sorted() }
    }

    private func range(window: TimeInterval, now: Date) -> (Int64, Int64) {
        let to = slot(now)
        let slots = max(1, Int64((min(window, settings.horizon) / settings.resolution).rounded(.up)))
        return (to - slots + 1, to)
    }

    private static func sum(_ slots: [Int64: SignalFigures]?, from: Int64, to: Int64) -> SignalFigures {
        var total = SignalFigures()
        for (slot, figures) in slots ?? [:] where slot >= from && slot <= to { total.merge(figures) }
        return total
    }
}
