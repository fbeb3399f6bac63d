import KeelMonitor

/// The signals the SLOs read: a second `SignalBook`, mirrored from the monitor's, whose horizon
/// reaches the longest SLO window (3 days by default) and whose slots are a tenth of the
/// shortest one (between 1 s and 60 s), so that days of traffic stay a few thousand slots.
enum SLOBook {
    static func make(for slos: [SLO]) -> SignalBook? {
        guard !slos.isEmpty else { return nil }
        let shortest = slos.map(\.shortestWindow).min() ?? 300
        let longest = slos.map(\.longestWindow).max() ?? 3600
        return SignalBook(settings: .init(resolution: min(60, max(1, shortest / 10)), horizon: longest))
    }
}
