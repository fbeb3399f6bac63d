/// Finds phrases in a `NormalizedText`. A phrase is written as words separated by spaces:
/// `ignor*|disregard ~3 previous|prior instruct*`:
/// - `a|b` either word; `stem*` any word starting with the stem (three letters at least);
/// - `=DAN` the word written in capitals (so the name `Dan` does not match);
/// - `~3` up to three other words may come before the next slot.
/// Words spelled out with spaces (`i g n o r e  a l l`) or split (`ig nore`) are read back
/// with the phrases' vocabulary before matching (`SplitWords`).
struct PhraseMatcher: Sendable {
    /// A compiled phrase: its slots are `slots[firstSlot..<firstSlot + slotCount]`.
    private struct Phrase: Sendable {
        var firstSlot: Int
        var slotCount: Int
        /// What the caller attached to it (a signal, a list name).
        var tag: Int
    }

    struct Match: Sendable, Equatable {
        var tag: Int
        var phrase: Int
        /// Word indices in the text that matched, first to last.
        var words: ClosedRange<Int>
        /// UTF-8 offsets in the original text.
        var source: Range<Int>
        /// Read through a disguise (leetspeak, look-alikes, zero-width, spacing).
        var wasDisguised: Bool
    }

    /// One slot: its words as a bit set over term numbers, at `bits[bitsOffset...]`.
    private struct Slot: Sendable {
        var bitsOffset: Int
        /// Other words allowed between the previous slot and this one.
        var gap: Int
    }

    /// A word of a phrase, before it has a term number.
    private struct Alternative: Hashable {
        var bytes: [UInt8]
        var isPrefix: Bool
        var needsCapitals: Bool
    }

    private let phrases: [Phrase]
    private let slots: [Slot]
    private let bits: [UInt64]
    /// Phrases by the terms of their first slot, so a word that is no term costs nothing more.
    private let phrasesStartingWith: [[Int32]]
    /// Every word the phrases know.
    let vocabulary: VocabularyTrie

    /// `phrases` pairs each phrase's text with its tag.
    init(_ phrases: [(String, Int)]) {
        var termNumbers: [Alternative: VocabularyTrie.Term] = [:]
        let parsed = phrases.map { (text, tag) in (Self.parse(text), tag) }
        for (slots, _) in parsed {
            for (alternatives, _) in slots {
                for alternative in alternatives where termNumbers[alternative] == nil {
                    termNumbers[alternative] = VocabularyTrie.Term(termNumbers.count)
                }
            }
        }
        var vocabulary = VocabularyTrie()
        for (alternative, term) in termNumbers {
            if alternative.isPrefix {
                vocabulary.add(stem: alternative.bytes, term: term)
            } else if alternative.needsCapitals {
                vocabulary.add(capitalised: alternative.bytes, term: term)
            } else {
                vocabulary.add(word: alternative.bytes, term: term)
            }
        }
        let width = (termNumbers.count + 63) / 64
        var compiled: [Phrase] = []
        var compiledSlots: [Slot] = []
        var bits: [UInt64] = []
        var starting = Array(repeating: [Int32](), count: termNumbers.count)
        for (slots, tag) in parsed where !slots.isEmpty {
            compiled.append(Phrase(firstSlot: compiledSlots.count, slotCount: slots.count, tag: tag))
            for (alternatives, gap) in slots {
                let offset = bits.count
                bits += repeatElement(0, count: width)
                for alternative in alternatives {
                    let term = Int(termNumbers[alternative]!)
                    bits[offset + term >> 6] |= 1 << UInt64(term & 63)
                }
                compiledSlots.append(Slot(bitsOffset: offset, gap: gap))
            }
            for term in Set(slots[0].alternatives.map { termNumbers[$0]! }) { starting[Int(term)].append(Int32(compiled.count - 1)) }
        }
        self.phrases = compiled
        self.slots = compiledSlots
        self.bits = bits
        phrasesStartingWith = starting
        self.vocabulary = vocabulary
    }

    private static func parse(_ text: String) -> [(alternatives: [Alternative], gap: Int)] {
        var slots: [(alternatives: [Alternative], gap: Int)] = []
        var gap = 0
        for part in text.split(separator: " ") {
            if part.hasPrefix("~") {
                gap = Int(part.dropFirst()) ?? 0
                continue
            }
            let alternatives = part.split(separator: "|").map { word -> Alternative in
                var word = Substring(word)
                let needsCapitals = word.hasPrefix("=")
                if needsCapitals { word = word.dropFirst() }
                let isPrefix = word.hasSuffix("*")
                if isPrefix { word = word.dropLast() }
                // Written as the tokenizer reads it: `role-play` and `don't` are one word.
                let bytes = word.lowercased().utf8.filter { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "'") }
                return Alternative(bytes: bytes, isPrefix: isPrefix, needsCapitals: needsCapitals)
            }
            slots.append((alternatives, gap))
            gap = 0
        }
        return slots
    }

    /// Every phrase found in `text`, at most one per phrase and starting word.
    func matches(in text: NormalizedText) -> [Match] {
        let text = SplitWords.joined(SplitWords.spacedRunsRead(text, vocabulary: vocabulary), vocabulary: vocabulary)
        let words = text.words
        // The terms of every word, flattened: word i's are terms[bounds[i]..<bounds[i + 1]].
        var terms: [VocabularyTrie.Term] = []
        var bounds: [Int] = [0]
        terms.reserveCapacity(words.count)
        bounds.reserveCapacity(words.count + 1)
        for word in words {
            vocabulary.terms(of: text.bytes(of: word), capitalised: word.isCapitalised, into: &terms)
            bounds.append(terms.count)
        }
        guard !terms.isEmpty else { return [] }
        return words.withUnsafeBufferPointer { words in
            terms.withUnsafeBufferPointer { terms in
                bounds.withUnsafeBufferPointer { bounds in
                    slots.withUnsafeBufferPointer { slots in
                        bits.withUnsafeBufferPointer { bits in
                            matches(in: TermText(words: words, terms: terms, bounds: bounds, slots: slots, bits: bits))
                        }
                    }
                }
            }
        }
    }

    private func matches(in text: TermText) -> [Match] {
        var found: [Match] = []
        var tried: [Int32] = []
        for start in text.words.indices where text.bounds[start] < text.bounds[start + 1] {
            tried.removeAll(keepingCapacity: true)
            for term in text.terms[text.bounds[start]..<text.bounds[start + 1]] {
                for candidate in phrasesStartingWith[Int(term)] where !tried.contains(candidate) {
                    tried.append(candidate)
                    let phrase = phrases[Int(candidate)]
                    let lastSlot = phrase.firstSlot + phrase.slotCount
                    guard let (end, disguised) = Self.match(slot: phrase.firstSlot + 1, upTo: lastSlot, after: start, in: text) else { continue }
                    found.append(
                        Match(
                            tag: phrase.tag, phrase: Int(candidate), words: start...end,
                            source: text.words[start].source.lowerBound..<text.words[end].source.upperBound,
                            wasDisguised: disguised || text.words[start].wasDisguised))
                }
            }
        }
        return found
    }

    /// A text's words with their terms, and the compiled slots, for matching without
    /// reference counting.
    private struct TermText {
        let words: UnsafeBufferPointer<NormalizedText.Word>
        let terms: UnsafeBufferPointer<VocabularyTrie.Term>
        let bounds: UnsafeBufferPointer<Int>
        let slots: UnsafeBufferPointer<Slot>
        let bits: UnsafeBufferPointer<UInt64>

        @inline(__always)
        func word(_ word: Int, fits slot: Int) -> Bool {
            let offset = slots[slot].bitsOffset
            for index in bounds[word]..<bounds[word + 1] {
                let term = Int(terms[index])
                if bits[offset + term >> 6] & (1 << UInt64(term & 63)) != 0 { return true }
            }
            return false
        }
    }

    /// Matches `slots[slot...]` after the word `previous`: the index of the last word, and
    /// whether a word of a slot (not of a gap) was disguised.
    private static func match(slot: Int, upTo lastSlot: Int, after previous: Int, in text: TermText) -> (end: Int, disguised: Bool)? {
        guard slot < lastSlot else { return (previous, false) }
        let gap = text.slots[slot].gap
        var candidate = previous + 1
        while candidate <= previous + 1 + gap, candidate < text.words.count {
            if text.word(candidate, fits: slot),
                let (end, disguised) = match(slot: slot + 1, upTo: lastSlot, after: candidate, in: text)
            {
                return (end, disguised || text.words[candidate].wasDisguised)
            }
            candidate += 1
        }
        return nil
    }
}
