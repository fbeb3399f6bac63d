import Foundation

/// Tells whether a model's answer refuses the request ("I'm sorry, but I can't help with that").
///
/// The rules, kept simple enough to predict:
/// - Only the opening of the answer is read: its first sentence, or its first two when the first
///   is a bare apology ("I'm sorry." / "Sorry!"). A refusal that comes after a helpful answer is
///   not one.
/// - The opening refuses when it holds a first-person refusal ("I can't", "I cannot", "I won't",
///   "I'm unable to", "I'm not able to", "I must decline", ...) followed by a verb of helping
///   (help, assist, provide, comply, do, fulfil, ...) among its next three words, or when it
///   begins "As an AI (language model)" and says it cannot; "I must decline" / "I have to decline" / "I refuse" need no verb.
/// - An opening that goes on to offer the answer ("..., but here is ...") is not a refusal, nor is
///   "I can't help but ...", nor a "can't" that is not the model's ("You can't rotate a key in
///   place; instead ...").
/// - A whole answer of a few words that is a bare first-person refusal ("I can't.", "I won't do
///   that") is a refusal. An empty answer is not (it is no answer, not a refusal).
/// - Typographic apostrophes (’) are read as `'`; case does not matter.
public struct RefusalDetector: Sendable {
    public init() {}

    static let subjects = [
        "i can't", "i cannot", "i can not", "i won't", "i will not", "i'm unable to", "i am unable to", "i'm not able to",
        "i am not able to", "i'm not going to", "i am not going to", "i'm afraid i can't", "i'm afraid i cannot", "i wouldn't be able to",
        "i'm not allowed to", "i am not allowed to", "i'm not permitted to", "i do not feel comfortable", "i don't feel comfortable",
    ]
    /// Verbs of helping, matched as the start of one of the three words after the subject
    /// ("I can't *help*", "I cannot *really* *assist*"); "do" and "be" ("be able") only whole.
    static let verbs = [
        "help", "assist", "provide", "comply", "fulfil", "create", "write", "generate", "answer", "share", "support", "give", "engage",
        "participate", "discuss", "offer", "produce", "complete", "continue", "process", "respond", "disclose", "reveal", "facilitate",
    ]
    static let wholeVerbs: Set<String> = ["do", "be"]
    static let standalone = ["i must decline", "i have to decline", "i need to decline", "i refuse", "i must respectfully decline"]
    static let offers = [
        ", but here", "but here is", "but here's", "however, here", "but i can ", "but i can,", "but you can", "instead, here", "here is",
        "here's",
    ]

    /// Whether `text` is a refusal (see the type's rules).
    public func isRefusal(_ text: String) -> Bool {
        guard Self.mayBeRefusal(text) else { return false }
        let folded = Self.fold(text)
        guard !folded.isEmpty else { return false }
        let opening = Self.opening(folded)
        if Self.offers.contains(where: { opening.contains($0) }) { return false }
        if Self.standalone.contains(where: { opening.contains($0) }) { return true }
        if opening.hasPrefix("as an ai")
            && (opening.contains("can't") || opening.contains("cannot") || opening.contains("unable")
                || opening.contains("not able") || opening.contains("won't") || opening.contains("don't have the ability"))
        {
            return true
        }
        for subject in Self.subjects {
            var searchStart = opening.startIndex
            while let range = opening.range(of: subject, range: searchStart..<opening.endIndex) {
                searchStart = range.upperBound
                guard Self.startsWord(opening, at: range.lowerBound) else { continue }
                let rest = opening[range.upperBound...].drop(while: { $0 == " " })
                if rest.hasPrefix("help but") { continue }
                let words = rest.split(separator: " ").prefix(3).map { $0.filter(\.isLetter) }
                if words.contains(where: { word in Self.wholeVerbs.contains(word) || Self.verbs.contains(where: { word.hasPrefix($0) }) }) {
                    return true
                }
                // A bare short refusal: "I can't.", "I won't do it."
                if folded.count <= 40 && rest.allSatisfy({ !$0.isLetter }) { return true }
            }
        }
        return false
    }

    /// Every refusal the rules recognise has one of these in its opening: a byte scan of the
    /// first bytes, so that the monitor can ask of every answer without lowercasing it whole.
    static let markers: [[UInt8]] = ["n't", "n\u{2019}t", "not", "unable", "declin", "refus"].map { Array($0.utf8) }
    static let scannedBytes = 600

    /// For each byte, the markers that begin with it in either case, one bit per marker: the
    /// scan looks further only where a marker may begin, where trying every marker at every byte
    /// was most of the monitor's cost per answer.
    static let markersStartingWith: [UInt8] = {
        precondition(markers.count <= UInt8.bitWidth)
        var starting = [UInt8](repeating: 0, count: 256)
        for (index, marker) in markers.enumerated() {
            starting[Int(marker[0])] |= 1 << index
            starting[Int(upper(marker[0]))] |= 1 << index
        }
        return starting
    }()

    static func mayBeRefusal(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let head = bytes.prefix(scannedBytes)
            return markersStartingWith.withUnsafeBufferPointer { starting in
                for start in head.indices {
                    var candidates = starting[Int(head[start])]
                    while candidates != 0 {
                        if matches(markers[candidates.trailingZeroBitCount], in: head, at: start) { return true }
                        candidates &= candidates - 1
                    }
                }
                return false
            }
        }
    }

    /// Whether `marker` (lowercase) is at `start` of `bytes`, ASCII letters compared caselessly.
    static func matches(_ marker: [UInt8], in bytes: Slice<UnsafeBufferPointer<UInt8>>, at start: Int) -> Bool {
        guard start + marker.count <= bytes.endIndex else { return false }
        for (offset, byte) in marker.enumerated() where lower(bytes[start + offset]) != byte { return false }
        return true
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
    private static func upper(_ byte: UInt8) -> UInt8 { byte >= 97 && byte <= 122 ? byte - 32 : byte }

    /// Lowercased, typographic apostrophes as `'`, surrounding whitespace trimmed.
    static func fold(_ text: String) -> String {
        var folded = text.lowercased().replacingAll("\u{2019}", with: "'").replacingAll("\u{2018}", with: "'")
        while let first = folded.first, first.isWhitespace || first == "\"" || first == "*" { folded.removeFirst() }
        while let last = folded.last, last.isWhitespace { folded.removeLast() }
        return folded
    }

    /// The first sentence, or the first two when the first is a short apology.
    static func opening(_ text: String) -> String {
        let first = sentence(text[...])
        let trimmed = first.trimmingCharacters(in: " .!")
        let isApology =
            trimmed.count <= 24
            && (trimmed.hasPrefix("sorry") || trimmed.hasPrefix("i'm sorry") || trimmed.hasPrefix("i am sorry")
                || trimmed.hasPrefix("i apologize") || trimmed.hasPrefix("unfortunately"))
        guard isApology, first.endIndex < text.endIndex else { return String(first) }
        let second = sentence(text[first.endIndex...])
        return String(text[first.startIndex..<second.endIndex])
    }

    private static func sentence(_ text: Substring) -> Substring {
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\n" || character == "!" || character == "?" { return text[text.startIndex...index] }
            if character == "." {
                let next = text.index(after: index)
                // "e.g." or "1.5" do not end a sentence: a period ends one only before a space or the end.
                if next == text.endIndex || text[next] == " " || text[next] == "\n" { return text[text.startIndex...index] }
            }
            index = text.index(after: index)
        }
        return text
    }

    private static func startsWord(_ text: String, at index: String.Index) -> Bool {
        guard index > text.startIndex else { return true }
        let before = text[text.index(before: index)]
        return !before.isLetter && !before.isNumber && before != "'"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }

    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace || set.contains(first) { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace || set.contains(last) { slice.removeLast() }
        return slice
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        String(self).trimmingCharacters(in: set)
    }
}
