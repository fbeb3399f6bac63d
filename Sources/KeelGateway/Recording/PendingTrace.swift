import KeelCore

/// The trace of a whole answer, left to record once the answer is on its way to the client:
/// pricing, metrics and the hand-over to the store are not part of the answer's latency.
struct PendingTrace: Sendable {
    let recorder: TraceRecorder
    let draft: TraceDraft
    let route: RouteInfo
    let response: JSONValue

    func record() async {
        await recorder.completed(draft, route: route, response: response)
    }
}

/// An answer from the pipeline, and what is left to record of it.
struct Answer: Sendable {
    var response: GatewayResponse
    /// Nil for a stream, which records itself when it ends.
    var trace: PendingTrace?

    /// Hands the answer over, then records its trace (the answer's own, not a copy of it).
    consuming func deliver(to deliver: (GatewayResponse) async -> Void) async {
        await deliver(response)
        if let trace = trace.take() { await trace.record() }
    }

    /// Records the trace, then returns the answer (for callers inside Keel: batches, classifiers).
    consuming func recorded() async -> GatewayResponse {
        if let trace = trace.take() { await trace.record() }
        return response
    }
}
