/// Words broken up to slip past a filter, read back as the words of a vocabulary: letters
/// spaced out (`i g n o r e`), and words split in two or three (`dis regard`, `in struc tions`).
enum SplitWords {
    /// Runs of five or more one- or two-letter words, half of them single letters (`i g n o r e`,
    /// `ig n o re`), read back as the words of the vocabulary they spell, longest word first.
    static func spacedRunsRead(_ text: NormalizedText, vocabulary: VocabularyTrie) -> NormalizedText {
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
    static func joined(_ text: NormalizedText, vocabulary: VocabularyTrie) -> NormalizedText {
        let words = text.words
        // Most texts have no split word: find the first before copying anything.
        guard
            let first = words.withUnsafeBufferPointer({ words in
                text.letters.withUnsafeBufferPointer { letters in
                    words.indices.first { split(at: $0, words: words, letters: letters, vocabulary: vocabulary) != nil }
                }
            })
        else { return text }
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
