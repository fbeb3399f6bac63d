import Foundation
import KeelCore
import KeelStore
import Synchronization

/// Answers kept for models with `cache: {ttl_s: ...}`: in memory (least recently used first
/// out, bounded by bytes) and in the store, so they survive a restart. Keyed by the request as
/// it changes the answer: the Keel model, messages, tools and the sampling parameters.
final class ResponseCache: Sendable {
    private struct Entry {
        var response: CachedResponse
        var bytes: Int
        var lastUsed: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let maxBytes: Int
    private let store: (any ResponseCacheStore)?

    init(maxBytes: Int, store: (any ResponseCacheStore)?) {
        self.maxBytes = maxBytes
        self.store = store
    }

    /// Request fields that do not change the answer.
    static let ignoredFields: Set<String> = ["stream", "stream_options", "user", "metadata", "store", "service_tier"]

    /// The cache key of a request to the Keel model `model` from callers of `partition`.
    static func key(model: String, body: JSONObject, partition: CachePartition) -> String {
        var normalized = body.filter { !ignoredFields.contains($0.key) }
        normalized["model"] = .string(model)
        return sha256Hex(partition.prefix + JSONValue.object(normalized).canonicalString())
    }

    func lookup(_ key: String, now: Date = Date()) async -> CachedResponse? {
        let memory: CachedResponse? = state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            guard entry.response.expiresAt > now else {
                state.bytes -= entry.bytes
                state.entries[key] = nil
                return nil
            }
            state.clock += 1
            entry.lastUsed = state.clock
            state.entries[key] = entry
            return entry.response
        }
        if let memory { return memory }
        guard let stored = try? await store?.cachedResponse(key: key, now: now) else { return nil }
        remember(stored)
        return stored
    }

    func insert(_ response: CachedResponse) async {
        remember(response)
        try? await store?.storeResponse(response)
    }

    private func remember(_ response: CachedResponse) {
        let bytes = response.response.encodedString().utf8.count + response.key.utf8.count
        guard bytes <= maxBytes else { return }
        state.withLock { state in
            if let old = state.entries[response.key] { state.bytes -= old.bytes }
            state.clock += 1
            state.entries[response.key] = Entry(response: response, bytes: bytes, lastUsed: state.clock)
            state.bytes += bytes
            guard state.bytes > maxBytes else { return }
            // Over the bound: the least recently used go until a tenth is free.
            for (key, entry) in state.entries.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                guard state.bytes > maxBytes * 9 / 10 else { break }
                state.entries[key] = nil
                state.bytes -= entry.bytes
            }
        }
    }

    var memoryBytes: Int { state.withLock { $0.bytes } }
}

/// How a request may use the cache, from its `Cache-Control` header.
struct CachePolicy: Sendable {
    var read = true
    var write = true

    init(headers: [String: String]) {
        let directives = (headers["cache-control"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if directives.contains("no-cache") { read = false }
        if directives.contains("no-store") {
            read = false
            write = false
        }
    }
}
