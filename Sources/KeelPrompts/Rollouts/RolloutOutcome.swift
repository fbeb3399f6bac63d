/// What happened to one request served by an arm, as the gateway reports it.
public struct RolloutOutcome: Sendable, Hashable {
    public enum Ending: String, Sendable, Hashable {
        /// The model answered.
        case succeeded
        /// A provider error, or an ending that is the model's failure (an invalid structured
        /// output, a stream cut off upstream): counted against the arm.
        case failed
        /// The client went away, or the request was refused before any model call (a rate
        /// limit, a budget): not the arm's doing, so not counted at all.
        case cancelled
    }

    public var ending: Ending
    public var latencyMs: Double
    /// Nil when the model has no price.
    public var costUSD: Double?
    public var promptTokens: Int
    public var completionTokens: Int
    /// A judge's or user's score of the answer, in [0, 1], when there is one.
    public var qualityScore: Double?

    public init(
        ending: Ending, latencyMs: Double, costUSD: Double? = nil, promptTokens: Int = 0, completionTokens: Int = 0, qualityScore: Double? = nil
    ) {
        self.ending = ending
        self.latencyMs = latencyMs
        self.costUSD = costUSD
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.qualityScore = qualityScore
    }

    public static func succeeded(latencyMs: Double, costUSD: Double? = nil, promptTokens: Int = 0, completionTokens: Int = 0) -> RolloutOutcome {
        RolloutOutcome(ending: .succeeded, latencyMs: latencyMs, costUSD: costUSD, promptTokens: promptTokens, completionTokens: completionTokens)
    }

    public static func failed(latencyMs: Double) -> RolloutOutcome {
        RolloutOutcome(ending: .failed, latencyMs: latencyMs)
    }
}
