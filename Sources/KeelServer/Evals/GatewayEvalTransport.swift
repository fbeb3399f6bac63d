import Foundation
import KeelCore
import KeelEvals
import KeelGateway
import KeelStore

/// An eval's calls through the gateway in process, as live traffic goes: every call traced with
/// the tag `eval` and the run's id as its session, priced, and held to the same guardrails.
struct GatewayEvalTransport: EvalTransport {
    let gateway: Gateway
    let tap: TraceTap
    /// The run's id: the session of every trace it makes.
    let session: String
    var tags = "eval"

    func chat(_ body: JSONObject) async throws(EvalCallError) -> EvalAnswer {
        let incoming = request(body)
        let id = incoming.traceID.value
        tap.watch(id)
        let started = ContinuousClock.now
        let response: GatewayResponse
        do {
            response = try await gateway.chatCompletion(incoming)
        } catch {
            _ = tap.take(id)
            throw EvalCallError(status: error.error.status, message: error.error.message)
        }
        let measured = Self.milliseconds(ContinuousClock.now - started)
        let trace = tap.take(id)
        guard let completion = response.content.wholeAnswer else {
            throw EvalCallError(status: nil, message: "the model answered with a stream, which an eval does not read")
        }
        return EvalAnswer(
            output: EvalOutput(completion: completion, latencyMs: trace?.latencyMs ?? measured, costUSD: trace?.costUSD), traceID: id,
            sentMessages: trace?.sentMessages(from: gateway.snapshot.prompts) ?? [])
    }

    func embed(_ body: JSONObject) async throws(EvalCallError) -> JSONValue {
        let response: GatewayResponse
        do {
            response = try await gateway.embeddings(request(body))
        } catch {
            throw EvalCallError(status: error.error.status, message: error.error.message)
        }
        guard let answer = response.content.wholeAnswer else { throw EvalCallError(status: nil, message: "the embedding model gave no answer") }
        return answer
    }

    private func request(_ body: JSONObject) -> IncomingRequest {
        IncomingRequest(body: JSONValue.object(body).encoded(), headers: ["x-keel-tags": tags, "x-keel-session": session])
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
