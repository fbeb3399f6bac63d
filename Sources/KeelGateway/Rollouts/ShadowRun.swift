import Foundation
import KeelCore
import KeelPrompts
import KeelStore

extension Gateway {
    /// Runs a shadow rollout's candidate on a copy of a live request, after the client has its
    /// answer: a traced call of Keel's own under the client's key, never returned. Both outcomes
    /// and the similarity of the two answers go to the rollout.
    func runShadow(_ job: ShadowJob) {
        guard job.served.shadows, var body = (try? JSONValue.parse(job.body))?.objectValue else { return }
        body["stream"] = nil
        body["stream_options"] = nil
        var client = IncomingRequest(body: job.body, headers: job.headers)
        client.apiKey = job.apiKey
        var copy = IncomingRequest.internalCall(.shadow, body: JSONValue.object(body).encoded(), for: client)
        copy.shadowVersion = job.served.shadowVersion
        copy.shadowTarget = job.served.shadowTarget
        let recorder = snapshot.recorder
        Task {
            let start = ContinuousClock.now
            let candidate: RolloutOutcome
            var text: String?
            do throws(GatewayError) {
                let response = try await chatCompletion(copy)
                let answer = response.content.wholeAnswer
                text = answer?["choices"]?[0]?["message"]?["content"]?.stringValue ?? ""
                let usage = Trace.Usage(openAI: answer?["usage"])
                candidate = .succeeded(
                    latencyMs: start.millisecondsSince,
                    costUSD: recorder.costs.cost(
                        provider: response.route.provider, model: answer?["model"]?.stringValue, orElse: response.route.upstreamModel, usage: usage),
                    promptTokens: usage.promptTokens ?? 0, completionTokens: usage.completionTokens ?? 0)
            } catch {
                candidate = error.isProviderFailure ? .failed(latencyMs: start.millisecondsSince) : RolloutOutcome(ending: .cancelled, latencyMs: 0)
            }
            let similarity = text.map { OutputSimilarity.score(job.stableText, $0) }
            state.rollouts.recordShadow(job, candidate: candidate, candidateTraceID: copy.traceID.value, similarity: similarity)
        }
    }
}
