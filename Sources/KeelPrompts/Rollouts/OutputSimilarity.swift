/// How alike two model outputs are, in [0, 1], for comparing a shadow candidate's answer with
/// the answer the client got: the cosine of their word-count vectors (words lower-cased, split
/// on anything that is not a letter or a digit). It ignores word order, which is what two good
/// answers to the same question most often differ in, and costs one pass over each text.
/// Two empty outputs are identical (1); one empty and one not share nothing (0).
public enum OutputSimilarity {
    public static func score(_ a: String, _ b: String) -> Double {
        let countsA = wordCounts(a)
        let countsB = wordCounts(b)
        if countsA.isEmpty && countsB.isEmpty { return 1 }
        if countsA.isEmpty || countsB.isEmpty { return 0 }
        var dot = 0.0
        for (word, count) in countsA {
            if let other = countsB[word] { dot += Double(count * other) }
        }
        let score = dot / (norm(countsA) * norm(countsB))
        // The same counts give 1 - 2e-16 or so: round what only rounding error separates from 1.
        return score > 1 - 1e-12 ? 1 : max(0, score)
    }

    static func wordCounts(_ text: String) -> [Substring: Int] {
        var counts: [Substring: Int] = [:]
        let lowered = text.lowercased()
        for word in lowered.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            counts[word, default: 0] += 1
        }
        return counts
    }

    private static func norm(_ counts: [Substring: Int]) -> Double {
        counts.values.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
    }
}
