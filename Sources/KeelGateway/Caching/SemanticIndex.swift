import Foundation
import KeelCore
import KeelStore
import Synchronization

/// The semantic side of the response cache: embeddings of the requests whose answers are
/// cached, grouped by scope (the model, the system prompt and every parameter but the
/// conversation), so that a request that means the same as a cached one, in the same scope,
/// gets its answer. In memory, the newest `perScope` of each scope.
final class SemanticIndex: Sendable {
    struct Probe: Sendable {
        var scope: String
        var vector: [Double]
    }

    private struct Entry {
        var vector: [Double]
        var key: String
        var expiresAt: Date
    }

    static let perScope = 2_000
    private let scopes = Mutex<[String: [Entry]]>([:])

    /// The scope of a request to `model`, and the text that is embedded (the conversation
    /// without its system and developer messages).
    static func scope(model: String, body: JSONObject, partition: CachePartition) -> (scope: String, text: String) {
        let messages = body["messages"]?.arrayValue ?? []
        let isSystem: (JSONValue) -> Bool = { ["system", "developer"].contains($0["role"]?.stringValue ?? "") }
        var fixed = body.filter { !ResponseCache.ignoredFields.contains($0.key) && $0.key != "messages" }
        fixed["model"] = .string(model)
        fixed["system"] = .array(messages.filter(isSystem))
        let digest = sha256Hex(partition.prefix + JSONValue.object(fixed).canonicalString())
        let text = messages.filter { !isSystem($0) }.map { ($0["role"]?.stringValue ?? "") + ": " + $0.messageText }.joined(separator: "\n")
        return (digest, text)
    }

    /// The cached request nearest to `probe` at `threshold` or above: its cache key and similarity.
    func nearest(_ probe: Probe, threshold: Double, now: Date = Date()) -> (key: String, similarity: Double)? {
        scopes.withLock { scopes in
            var best: (key: String, similarity: Double)?
            for entry in scopes[probe.scope] ?? [] where entry.expiresAt > now {
                let similarity = Self.cosine(entry.vector, probe.vector)
                if similarity >= threshold, similarity > (best?.similarity ?? -1) { best = (entry.key, similarity) }
            }
            return best
        }
    }

    func insert(_ probe: Probe, key: String, expiresAt: Date) {
        scopes.withLock { scopes in
            var entries = scopes[probe.scope] ?? []
            entries.removeAll { $0.key == key || $0.expiresAt <= Date() }
            entries.append(Entry(vector: probe.vector, key: key, expiresAt: expiresAt))
            if entries.count > Self.perScope { entries.removeFirst(entries.count - Self.perScope) }
            scopes[probe.scope] = entries
        }
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for index in a.indices {
            dot += a[index] * b[index]
            normA += a[index] * a[index]
            normB += b[index] * b[index]
        }
        let norm = (normA * normB).squareRoot()
        return norm > 0 ? dot / norm : 0
    }
}
