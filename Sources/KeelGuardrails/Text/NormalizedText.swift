/// A text as its words read once disguises are undone: lowercase ASCII where a letter has a
/// Latin reading, look-alike letters and accents folded, zero-width characters dropped,
/// leetspeak read back inside words (`pr3v10u5` → `previous`), and letters joined across the
/// dots, underscores and asterisks put inside words to break them (`in_struc.tions`). Each
/// word remembers where it was in the original UTF-8, so findings point at the original text.
struct NormalizedText {
    struct Word {
        /// The word's bytes in `letters`.
        var start: Int
        var end: Int
        /// Where the word was in the original text's UTF-8.
        var source: Range<Int>
        /// Written in capitals (`DAN`), two letters or more.
        var isCapitalised: Bool
        /// Read through a disguise: leetspeak, a look-alike letter, a zero-width character, a
        /// joiner inside the word.
        var wasDisguised: Bool
    }

    private(set) var letters: [UInt8] = []
    private(set) var words: [Word] = []

    init(_ text: String) {
        var text = text
        // A scalar reads as one byte at most, so the text's length bounds the letters'.
        var letters = [UInt8](repeating: 0, count: text.utf8.count)
        var words: [Word] = []
        var count = 0
        text.withUTF8 { utf8 in
            letters.withUnsafeMutableBufferPointer { output in
                var tokenizer = Tokenizer(output: output)
                tokenizer.read(utf8)
                words = tokenizer.words
                count = tokenizer.count
            }
        }
        letters.removeLast(letters.count - count)
        self.letters = letters
        self.words = words
    }

    init(letters: [UInt8], words: [Word]) {
        self.letters = letters
        self.words = words
    }

    func bytes(of word: Word) -> ArraySlice<UInt8> { letters[word.start..<word.end] }

    func text(of word: Word) -> String { String(decoding: bytes(of: word), as: UTF8.self) }

    /// Adds a word read out of other words (a spaced-out run's segment).
    mutating func append(_ bytes: some Collection<UInt8>, source: Range<Int>) -> Word {
        let start = letters.count
        letters += bytes
        return Word(start: start, end: letters.count, source: source, isCapitalised: false, wasDisguised: true)
    }
}

/// One pass over UTF-8 that builds `NormalizedText`'s words: ASCII through a byte table,
/// other scalars through `CharacterFolding`.
private struct Tokenizer {
    private let output: UnsafeMutableBufferPointer<UInt8>
    /// The letters written to `output` so far.
    private(set) var count = 0
    var words: [NormalizedText.Word] = []

    init(output: UnsafeMutableBufferPointer<UInt8>) {
        self.output = output
    }

    private var inWord = false
    private var letterStart = 0
    private var wordStart = 0
    private var wordEnd = 0
    private var capitals = 0
    private var lowercase = 0
    private var hasLetters = false
    private var hasDigitsOrSymbols = false
    private var trailingSymbols = 0
    private var disguised = false

    private enum ByteKind: UInt8 { case separator, lower, upper, digit, symbol, joiner, nonASCII }

    private static let kinds: [ByteKind] = (0...255).map { value in
        let byte = UInt8(value)
        if byte >= 0x80 { return .nonASCII }
        if ByteClass.isLower(byte) { return .lower }
        if ByteClass.isUpper(byte) { return .upper }
        if ByteClass.isDigit(byte) { return .digit }
        if CharacterFolding.leet(byte) != nil { return .symbol }
        // Marks put inside a word to break it (`in.struc*tions`), or that belong in it (`don't`,
        // `e-mail`). An underscore separates words: `ignore_all_previous` is three of them.
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: "'") { return .joiner }
        return .separator
    }

    mutating func read(_ utf8: UnsafeBufferPointer<UInt8>) {
        words.reserveCapacity(utf8.count / 5)
        Self.kinds.withUnsafeBufferPointer { kinds in read(utf8, kinds: kinds) }
    }

    private mutating func read(_ utf8: UnsafeBufferPointer<UInt8>, kinds: UnsafeBufferPointer<ByteKind>) {
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            switch kinds[Int(byte)] {
            case .lower:
                appendLetter(byte, at: index, length: 1)
                lowercase += 1
            case .upper:
                appendLetter(byte | 0x20, at: index, length: 1)
                capitals += 1
            case .digit:
                appendOther(byte, at: index, length: 1)
                trailingSymbols = 0
            case .symbol:
                // A pipe between two letters separates words (`show|me|your`); elsewhere it is an i.
                // An @ before a word is a mention (`@assistant`), not an a.
                let separates =
                    (byte == UInt8(ascii: "|") && inWord && trailingSymbols == 0 && Self.startsWithLetter(utf8, at: index + 1))
                    || (byte == UInt8(ascii: "@") && !inWord)
                if !separates, inWord || Self.startsWord(utf8, at: index + 1) {
                    appendOther(byte, at: index, length: 1)
                    trailingSymbols += 1
                } else {
                    finish()
                }
            case .joiner:
                if inWord, Self.startsWord(utf8, at: index + 1) {
                    disguised = disguised || (byte != UInt8(ascii: "-") && byte != UInt8(ascii: "'"))
                } else {
                    finish()
                }
            case .separator:
                finish()
            case .nonASCII:
                let (scalar, length) = Self.decode(utf8, at: index)
                read(scalar, at: index, length: length, in: utf8)
                index += length
                continue
            }
            index += 1
        }
        finish()
    }

    private mutating func read(_ scalar: Unicode.Scalar, at index: Int, length: Int, in utf8: UnsafeBufferPointer<UInt8>) {
        switch CharacterFolding.fold(scalar) {
        case .letter(let byte):
            appendLetter(byte, at: index, length: length)
            disguised = disguised || Self.isLookAlike(scalar)
        case .foreignLetter:
            appendLetter(0xFF, at: index, length: length)
        case .digit(let byte):
            appendOther(byte, at: index, length: length)
            trailingSymbols = 0
        case .invisible:
            // Accents written as combining marks are ordinary; zero-width characters in a word are not.
            let isMark = (0x0300...0x036F).contains(scalar.value) || (0xFE00...0xFE0F).contains(scalar.value)
            if inWord, !isMark, Self.startsWord(utf8, at: index + length) { disguised = true }
        case .other:
            finish()
        }
    }

    @inline(__always)
    private mutating func begin(at index: Int) {
        guard !inWord else { return }
        inWord = true
        wordStart = index
        letterStart = count
    }

    @inline(__always)
    private mutating func appendLetter(_ byte: UInt8, at index: Int, length: Int) {
        append(byte, at: index, length: length)
        hasLetters = true
        trailingSymbols = 0
    }

    @inline(__always)
    private mutating func appendOther(_ byte: UInt8, at index: Int, length: Int) {
        append(byte, at: index, length: length)
        hasDigitsOrSymbols = true
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8, at index: Int, length: Int) {
        begin(at: index)
        output[count] = byte
        count += 1
        wordEnd = index + length
    }

    /// Ends the word: symbols at its end are punctuation (`hello!`), and digits and symbols
    /// are read as letters only in a word that has letters (`4ll`, not `2024`).
    @inline(__always)
    private mutating func finish() {
        guard inWord else { return }
        inWord = false
        if trailingSymbols > 0 {
            count -= trailingSymbols
            wordEnd -= trailingSymbols
        }
        var leet = false
        if hasDigitsOrSymbols {
            if hasLetters {
                for position in letterStart..<count {
                    if let letter = CharacterFolding.leet(output[position]) {
                        output[position] = letter
                        leet = true
                    }
                }
            } else {
                // A number: its symbols go.
                var kept = letterStart
                for position in letterStart..<count where ByteClass.isDigit(output[position]) {
                    output[kept] = output[position]
                    kept += 1
                }
                count = kept
            }
        }
        if count > letterStart {
            words.append(
                NormalizedText.Word(
                    start: letterStart, end: count, source: wordStart..<wordEnd,
                    isCapitalised: capitals >= 2 && lowercase == 0, wasDisguised: disguised || leet))
        }
        capitals = 0
        lowercase = 0
        hasLetters = false
        hasDigitsOrSymbols = false
        trailingSymbols = 0
        disguised = false
    }

    private static func isLookAlike(_ scalar: Unicode.Scalar) -> Bool {
        // Cyrillic and Greek letters read as Latin ones; accented Latin letters are ordinary.
        (0x0370...0x052F).contains(scalar.value) || (0xFF00...0xFFEF).contains(scalar.value) || scalar.value >= 0x1D400
    }

    private static func startsWithLetter(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index < utf8.count else { return false }
        if case .letter = CharacterFolding.fold(decode(utf8, at: index).0) { return true }
        return false
    }

    /// Whether the scalar at `index` (past invisibles) is a letter or digit.
    private static func startsWord(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        var index = index
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x80 {
                let kind = kinds[Int(byte)]
                return kind == .lower || kind == .upper || kind == .digit
            }
            let (scalar, length) = decode(utf8, at: index)
            switch CharacterFolding.fold(scalar) {
            case .letter, .digit, .foreignLetter: return true
            case .invisible: index += length
            case .other: return false
            }
        }
        return false
    }

    /// The scalar at `index` of valid UTF-8 (a Swift string's), and its length in bytes.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = utf8[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + length <= utf8.count else { return (Unicode.Scalar(0xFFFD)!, 1) }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(utf8[index + offset] & 0x3F) }
        return (Unicode.Scalar(value) ?? Unicode.Scalar(0xFFFD)!, length)
    }
}
