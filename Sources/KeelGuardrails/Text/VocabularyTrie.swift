/// The words a `PhraseMatcher` knows, as a trie over their letters and digits. Each word and
/// stem has a term number; reading a text's word through the trie gives its terms (the word
/// itself, its capitalised form, every stem it starts with) for one array read per byte, with
/// no allocation. The same walk reads back words split to dodge a filter (`ig nore`).
struct VocabularyTrie: Sendable {
    typealias Term = Int32

    private static let width = 36
    /// `width` child slots per node (0: none), a-z then 0-9.
    private var children: [Int32]
    private var wordTerm: [Term]
    private var capitalisedTerm: [Term]
    private var stemTerm: [Term]

    init() {
        children = Array(repeating: 0, count: Self.width)
        wordTerm = [-1]
        capitalisedTerm = [-1]
        stemTerm = [-1]
    }

    mutating func add(word: [UInt8], term: Term) { if let node = insert(word) { wordTerm[node] = term } }
    mutating func add(capitalised word: [UInt8], term: Term) { if let node = insert(word) { capitalisedTerm[node] = term } }
    mutating func add(stem: [UInt8], term: Term) { if let node = insert(stem) { stemTerm[node] = term } }

    private static func slot(_ byte: UInt8) -> Int? {
        if ByteClass.isLower(byte) { return Int(byte &- UInt8(ascii: "a")) }
        if ByteClass.isDigit(byte) { return 26 + Int(byte &- UInt8(ascii: "0")) }
        return nil
    }

    private mutating func insert(_ bytes: [UInt8]) -> Int? {
        var node = 0
        for byte in bytes {
            guard let slot = Self.slot(byte) else { return nil }
            let child = children[node * Self.width + slot]
            if child != 0 {
                node = Int(child)
            } else {
                let new = wordTerm.count
                children += repeatElement(0, count: Self.width)
                wordTerm.append(-1)
                capitalisedTerm.append(-1)
                stemTerm.append(-1)
                children[node * Self.width + slot] = Int32(new)
                node = new
            }
        }
        return node
    }

    @inline(__always)
    private func child(of node: Int, _ byte: UInt8) -> Int {
        guard let slot = Self.slot(byte) else { return 0 }
        return Int(children[node &* Self.width &+ slot])
    }

    /// Appends the terms of `word` to `terms`.
    func terms(of word: ArraySlice<UInt8>, capitalised: Bool, into terms: inout [Term]) {
        var node = 0
        for byte in word {
            node = child(of: node, byte)
            if node == 0 { return }
            if stemTerm[node] >= 0 { terms.append(stemTerm[node]) }
        }
        if wordTerm[node] >= 0 { terms.append(wordTerm[node]) }
        if capitalised && capitalisedTerm[node] >= 0 { terms.append(capitalisedTerm[node]) }
    }

    /// The length of the longest whole word at the start of `bytes`, else of the longest stem.
    func longestWord(in bytes: ArraySlice<UInt8>) -> Int? {
        var node = 0
        var word: Int?
        var stem: Int?
        for (offset, byte) in bytes.enumerated() {
            node = child(of: node, byte)
            if node == 0 { break }
            if wordTerm[node] >= 0 { word = offset + 1 }
            if stemTerm[node] >= 0 { stem = offset + 1 }
        }
        return word ?? stem
    }

    /// Where a walk through `bytes` from `node` ends, or nil when it leaves the trie before a
    /// stem; a stem passed on the way sets `passedStem`, and the walk may then leave the trie.
    func walk(_ bytes: some Collection<UInt8>, from node: Int = 0, passedStem: inout Bool) -> Int? {
        var node = node
        for byte in bytes {
            if stemTerm[node] >= 0 { passedStem = true }
            let next = child(of: node, byte)
            if next == 0 { return passedStem ? node : nil }
            node = next
        }
        if stemTerm[node] >= 0 { passedStem = true }
        return node
    }

    func isWord(at node: Int) -> Bool { wordTerm[node] >= 0 }

    /// Whether `bytes` is a whole word of the vocabulary.
    func isWord(_ bytes: some Collection<UInt8>) -> Bool {
        var node = 0
        for byte in bytes {
            node = child(of: node, byte)
            if node == 0 { return false }
        }
        return wordTerm[node] >= 0
    }
}
