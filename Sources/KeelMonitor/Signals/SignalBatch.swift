/// A batch of finished requests summed by scopes and time slot before they reach a book: a
/// batch of like traffic (the usual case: one model, one key, one slot) updates each of its
/// scopes once, not once per request, and the book's lock is taken once per batch. Groups keep
/// the order of their first request, so a book that admits a limited number of values per
/// dimension admits the same ones as it would request by request.
struct SignalBatch {
    /// The slot first: the synthesized `==` compares it before the scopes.
    struct RequestGroup: Hashable {
        var slot: Int64
        var scopes: [SignalDimension: String]
    }

    struct AttemptGroup: Hashable {
        var target: String
        var slot: Int64
    }

    private(set) var requests: [(group: RequestGroup, figures: SignalFigures)] = []
    private(set) var attempts: [(group: AttemptGroup, figures: SignalFigures)] = []
    /// The latest slot of a request in the batch.
    var latestSlot: Int64? { requests.lazy.map(\.group.slot).max() }

    init(_ requests: [RequestSignal], attempts: [AttemptSignal], slot: (RequestSignal) -> Int64, attemptSlot: (AttemptSignal) -> Int64) {
        var requestIndex: [RequestGroup: Int] = [:]
        for request in requests {
            let group = RequestGroup(slot: slot(request), scopes: request.scopes)
            // Like traffic comes in runs: the last group is compared before any group is hashed.
            let index =
                self.requests.last?.group == group ? self.requests.count - 1 : Self.index(of: group, in: &requestIndex, appendingTo: &self.requests)
            self.requests[index].figures.add(request)
        }
        var attemptIndex: [AttemptGroup: Int] = [:]
        for attempt in attempts {
            let index = Self.index(
                of: AttemptGroup(target: attempt.target, slot: attemptSlot(attempt)), in: &attemptIndex, appendingTo: &self.attempts)
            self.attempts[index].figures.addAttempt(failed: attempt.failed)
        }
    }

    private static func index<Group: Hashable>(
        of group: Group, in index: inout [Group: Int], appendingTo groups: inout [(group: Group, figures: SignalFigures)]
    ) -> Int {
        if let found = index[group] { return found }
        groups.append((group, SignalFigures()))
        index[group] = groups.count - 1
        return groups.count - 1
    }
}
