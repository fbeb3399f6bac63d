import KeelCore
import KeelStore

/// Whose cached answers a request may be served: those of its key's team, of its key alone
/// when the key has no team, or everyone's for a model whose cache is shared across keys (or
/// while no key is in use). Part of every cache key, exact and semantic.
struct CachePartition: Sendable, Equatable {
    /// Prepended to what a cache key hashes; empty for the shared partition.
    let prefix: String

    init(model: ModelConfig, key: APIKey?) {
        guard !model.cacheSharedAcrossKeys, let key else {
            prefix = ""
            return
        }
        // A separator JSON cannot begin with keeps a team named like a key id apart from it.
        prefix = key.team.map { "team:\($0)\n" } ?? "key:\(key.id)\n"
    }
}
