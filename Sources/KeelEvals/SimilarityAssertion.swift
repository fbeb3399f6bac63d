import KeelCore

/// `similar`: the cosine similarity of the output's and the value's embeddings is at least the
/// threshold (default 0.75). A list value passes on its best match. The score is the similarity
/// (clamped to 0...1).
enum SimilarityAssertion {
    static let defaultThreshold = 0.75

    static func evaluate(_ assertion: EvalAssertion, output: String, embedder: (any EvalEmbedder)?) async -> AssertionOutcome {
        guard let embedder else { return .error("no embedding model is configured for 'similar'") }
        guard let value = assertion.value else { return .error("'similar' needs a value") }
        let expected = value.arrayValue.map { $0.map(TextAssertions.text) } ?? [TextAssertions.text(value)]
        guard !expected.isEmpty else { return .error("'similar' needs a non-empty value") }
        let vectors: [[Double]]
        do {
            vectors = try await embedder.embed([output] + expected, model: assertion.provider)
        } catch {
            return .error("the embedding model failed: \(error)")
        }
        guard vectors.count == expected.count + 1 else {
            return .error("the embedding model returned \(vectors.count) vectors for \(expected.count + 1) texts")
        }
        var best: (similarity: Double, text: String)?
        for (vector, text) in zip(vectors.dropFirst(), expected) {
            guard let similarity = cosine(vectors[0], vector) else {
                return .error("the embeddings cannot be compared (empty, zero or of different lengths)")
            }
            if best == nil || similarity > best!.similarity { best = (similarity, text) }
        }
        let threshold = assertion.threshold ?? defaultThreshold
        let similarity = best!.similarity
        let pass = similarity >= threshold
        let rounded = (similarity * 1000).rounded() / 1000
        return .checked(
            pass: pass, score: similarity, reason: "similarity \(rounded) \(pass ? "≥" : "<") \(format(threshold)) to \(quote(best!.text))")
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        var dot = 0.0
        var normA = 0.0
        var normB = 0.0
        for (x, y) in zip(a, b) {
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0 else { return nil }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }
}
