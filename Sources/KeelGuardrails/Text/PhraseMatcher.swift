/// Finds phrases in a `NormalizedText`. A phrase is written as words separated by spaces:
/// `ignor*|disregard ~3 previous|prior instruct*`:
/// - `a|b` either word; `stem*` any word starting with the stem (three letters at least);
/// - `=DAN` the word written in capitals (so the name `Dan` does not match);
/// - `~3` up to three other words may come before the next slot.
/// Words spelled out with spaces (`i g n o r e  a l l`) are read back with the phrases'
/// vocabulary before matching.
struct PhraseMatcher: Sendable {
    struct Phrase: Sendable {
        fileprivate var slots: [Slot]
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

    fileprivate struct Slot: Sendable {
        /// The terms of the slot's words, as a bit set over term numbers.
        var terms: [UInt64]
        /// Other words allowed between the previous slot and this one.
        var gap: Int

        @inline(__always)
        func contains(_ term: VocabularyTrie.Term) -> Bool {
            terms[Int(term) >> 6] & (1 << UInt64(term & 63)) != 0
        }
    }

    /// A word of a phrase, before it has a term number.
    private struct Alternative: Hashable {
        var bytes: [UInt8]
        var isPrefix: Bool
        var needsCapitals: Bool
    }

    private let phrases: [Phrase]
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
        let words = (termNumbers.count + 63) / 64
        var compiled: [Phrase] = []
        var starting = Array(repeating: [Int32](), count: termNumbers.count)
        for (slots, tag) in parsed where !slots.isEmpty {
            let compiledSlots = slots.map { alternatives, gap -> Slot in
                var bits = Array(repeating: UInt64(0), count: words)
                for alternative in alternatives {
                    let term = termNumbers[alternative]!
                    bits[Int(term) >> 6] |= 1 << UInt64(term & 63)
                }
                return Slot(terms: bits, gap: gap)
            }
            for term in Set(slots[0].alternatives.map { termNumbers[$0]! }) { starting[Int(term)].append(Int32(compiled.count)) }
            compiled.append(Phrase(slots: compiledSlots, tag: tag))
        }
        self.phrases = compiled
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
        let text = Self.joiningSplitWords(Self.readingSpacedRuns(text, vocabulary: vocabulary), vocabulary: vocabulary)
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
                    let text = TermText(words: words, terms: terms, bounds: bounds)
                    var found: [Match] = []
                    var tried: [Int32] = []
                    for start in words.indices where bounds[start] < bounds[start + 1] {
                        tried.removeAll(keepingCapacity: true)
                        for term in text.terms(of: start) {
                            for candidate in phrasesStartingWith[Int(term)] where !tried.contains(candidate) {
                                tried.append(candidate)
                                let phrase = phrases[Int(candidate)]
                                guard let (end, disguised) = match(phrase.slots, slot: 1, after: start, in: text) else { continue }
                                found.append(Match(
                                    tag: phrase.tag, phrase: Int(candidate), words: start...end,
                                    source: words[start].source.lowerBound..<words[end].source.upperBound,
                                    wasDisguised: disguised || words[start].wasDisguised))
                            }
                        }
                    }
                    return found
                }
            }
        }
    }

    /// A text's words with their terms, for matching without reference counting.
    private struct TermText {
        let words: UnsafeBufferPointer<NormalizedText.Word>
        let terms: UnsafeBufferPointer<VocabularyTrie.Term>
        let bounds: UnsafeBufferPointer<Int>

        @inline(__always)
        func terms(of word: Int) -> Slice<UnsafeBufferPointer<VocabularyTrie.Term>> { terms[bounds[word]..<bounds[word + 1]] }
    }

    /// Matches `slots[slot...]` after the word `previous`: the index of the last word, and
    /// whether a word of a slot (not of a gap) was disguised.
    private func match(_ slots: [Slot], slot: Int, after previous: Int, in text: TermText) -> (end: Int, disguised: Bool)? {
        guard slot < slots.count else { return (previous, false) }
        let current = slots[slot]
        var candidate = previous + 1
        while candidate <= previous + 1 + current.gap, candidate < text.words.count {
            if text.terms(of: candidate).contains(where: current.contains),
                let (end, disguised) = match(slots, slot: slot + 1, after: candidate, in: text)
            {
                return (end, disguised || text.words[candidate].wasDisguised)
            }
            candidate += 1
        }
        return nil
    }

    /// Runs of five or more one- or two-letter words, half of them single letters (`i g n o r e`,
    /// `ig n o re`), read back as the words of the vocabulary they spell, longest word first.
    static func readingSpacedRuns(_ text: NormalizedText, vocabulary: VocabularyTrie) -> NormalizedText {
        let words = text.words
        guard hasSpacedRun(words) else { return text }
        var runStart: Int?
        var result = NormalizedText(letters: text.letters, words: [])
        var output: [NormalizedText.Word] = []
        var changed = false
        func flush(_ end: Int) {
            guard let start = runStart else { return }
            runStart = nil
            let singles = words[start..<end].filter { $0.end - $0.start == 1 }.count
            guard end - start >= 5, singles * 2 >= end - start else {
                output += words[start..<end]
                return
            }
            var spelled: [UInt8] = []
            var sources: [Int] = []
            for word in words[start..<end] {
                for (offset, byte) in text.bytes(of: word).enumerated() {
                    spelled.append(byte)
                    sources.append(offset == 0 ? word.source.lowerBound : word.source.upperBound - 1)
                }
            }
            var position = 0
            var read: [NormalizedText.Word] = []
            while position < spelled.count {
                guard let length = vocabulary.longestWord(in: spelled[position...]), length >= 2 else {
                    position += 1
                    continue
                }
                let source = sources[position]..<(sources[position + length - 1] + 1)
                read.append(result.append(spelled[position..<(position + length)], source: source))
                position += length
            }
            if read.isEmpty {
                output += words[start..<end]
            } else {
                output += read
                changed = true
            }
        }
        for (index, word) in words.enumerated() {
            if word.end - word.start <= 2 {
                if runStart == nil { runStart = index }
            } else {
                flush(index)
                output.append(word)
            }
        }
        flush(words.count)
        guard changed else { return text }
        return NormalizedText(letters: result.letters, words: output)
    }

    private static func hasSpacedRun(_ words: [NormalizedText.Word]) -> Bool {
        var run = 0
        for word in words {
            run = word.end - word.start == 1 ? run + 1 : (word.end - word.start == 2 ? run : 0)
            if run >= 3 { return true }
        }
        return false
    }

    /// Two or three short neighbouring words that together spell a word of the vocabulary, one
    /// of them (first or last) not a word of it alone (`dis regard`, `prev ious`, `in struc tions`),
    /// read as that word.
    static func joiningSplitWords(_ text: NormalizedText, vocabulary: VocabularyTrie) -> NormalizedText {
        let words = text.words
        // Most texts have no split word: find the first before copying anything.
        guard let first = words.withUnsafeBufferPointer({ words in
            text.letters.withUnsafeBufferPointer { letters in
                words.indices.first { split(at: $0, words: words, letters: letters, vocabulary: vocabulary) != nil }
            }
        }) else { return text }
        var output = Array(words[..<first])
        output.reserveCapacity(words.count)
        var index = first
        var changed = false
        while index < words.count {
            let last = words.withUnsafeBufferPointer { words in
                text.letters.withUnsafeBufferPointer { letters in split(at: index, words: words, letters: letters, vocabulary: vocabulary) }
            }
            if let last {
                var joined = words[index]
                joined.end = words[last].end
                joined.source = words[index].source.lowerBound..<words[last].source.upperBound
                joined.isCapitalised = false
                joined.wasDisguised = true
                output.append(joined)
                index = last + 1
                changed = true
            } else {
                output.append(words[index])
                index += 1
            }
        }
        return changed ? NormalizedText(letters: text.letters, words: output) : text
    }

    /// The last piece of a split word starting at `index`, if the words there are one.
    private static func split(
        at index: Int, words: UnsafeBufferPointer<NormalizedText.Word>, letters: UnsafeBufferPointer<UInt8>, vocabulary: VocabularyTrie
    ) -> Int? {
        func bytes(of word: NormalizedText.Word) -> Slice<UnsafeBufferPointer<UInt8>> { letters[word.start..<word.end] }
        let first = words[index]
        guard first.end - first.start <= 7, index + 1 < words.count, words[index + 1].end - words[index + 1].start <= 7,
            words[index + 1].source.lowerBound - first.source.upperBound <= 3
        else { return nil }
        var passedStem = false
        guard var node = vocabulary.walk(bytes(of: first), passedStem: &passedStem), !passedStem else { return nil }
        var found: Int?
        var last = index
        while last + 1 < words.count, last - index < 2 {
            let next = words[last + 1]
            // Pieces of one word sit next to each other: a space or a line break apart.
            guard next.end - next.start <= 7, next.source.lowerBound - words[last].source.upperBound <= 3 else { break }
            guard let reached = vocabulary.walk(bytes(of: next), from: node, passedStem: &passedStem) else { break }
            node = reached
            last += 1
            let length = next.end - first.start
            let spellsWord = passedStem || vocabulary.isWord(at: node)
            let pieceAlone = !vocabulary.isWord(bytes(of: first)) || !vocabulary.isWord(bytes(of: next))
            if spellsWord, length >= 5, pieceAlone { found = last }
            if passedStem { break }
        }
        return found
    }
}
