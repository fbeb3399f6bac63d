/// What signals are grouped by.
public enum SignalDimension: String, Sendable, CaseIterable, Hashable {
    /// The Keel model the client asked for (a prompt's pin, after it replaced the request's).
    case model
    /// A provider and upstream model, `provider/upstream`: every attempt on it counts, those a
    /// failover hid from the client and those its open breaker skipped included.
    case target
    /// A prompt version, `name@version`.
    case prompt
    /// A Keel API key, by id.
    case key
    /// A key's team.
    case team
    /// Every request together.
    case none
}
