import Foundation

/// How one Unicode scalar reads once disguises are undone: look-alike letters from other
/// scripts, accents, full-width and mathematical letters become plain ASCII lowercase;
/// zero-width characters and combining marks disappear.
enum FoldedScalar: Equatable {
    /// A letter, folded to lowercase ASCII where it has a Latin reading.
    case letter(UInt8)
    /// A letter with no Latin reading (CJK, Arabic...): still part of a word, never of a phrase.
    case foreignLetter
    case digit(UInt8)
    /// Zero-width characters, soft hyphens and combining marks: read as nothing at all.
    case invisible
    case other
}

enum CharacterFolding {
    static func fold(_ scalar: Unicode.Scalar) -> FoldedScalar {
        let value = scalar.value
        if value < 0x80 {
            let byte = UInt8(value)
            if ByteClass.isLower(byte) { return .letter(byte) }
            if ByteClass.isUpper(byte) { return .letter(byte | 0x20) }
            if ByteClass.isDigit(byte) { return .digit(byte) }
            return .other
        }
        if invisibles.contains(value) || (0x0300...0x036F).contains(value) || (0xFE00...0xFE0F).contains(value) { return .invisible }
        if let folded = lookAlikes[value] { return .letter(folded) }
        if (0xFF21...0xFF3A).contains(value) { return .letter(UInt8(value - 0xFF21) + UInt8(ascii: "a")) }
        if (0xFF41...0xFF5A).contains(value) { return .letter(UInt8(value - 0xFF41) + UInt8(ascii: "a")) }
        if (0xFF10...0xFF19).contains(value) { return .digit(UInt8(value - 0xFF10) + UInt8(ascii: "0")) }
        if let folded = decomposed(scalar) { return folded }
        return scalar.properties.isAlphabetic ? .foreignLetter : .other
    }

    /// Zero-width space, non-joiner, joiner, word joiner, invisible operators, BOM, soft hyphen,
    /// Mongolian vowel separator.
    private static let invisibles: Set<UInt32> = [0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E]

    /// Cyrillic, Greek and other letters drawn like Latin ones (the homoglyphs used to slip a
    /// word past a filter), by their Latin reading.
    private static let lookAlikes: [UInt32: UInt8] = {
        let pairs: [(String, Character)] = [
            ("аАɑα", "a"), ("вВβ", "b"), ("сСϲ", "c"), ("ԁ", "d"), ("еЕєεΕ", "e"), ("ɡ", "g"), ("һНΗ", "h"),
            ("іІӀιΙ", "i"), ("јЈ", "j"), ("кКκΚ", "k"), ("ӏ", "l"), ("мМΜ", "m"), ("Νпո", "n"), ("оОοΟσ", "o"),
            ("рРρΡ", "p"), ("ԛ", "q"), ("ѕЅ", "s"), ("тТτΤ", "t"), ("υ", "u"), ("ѵν", "v"), ("ԝ", "w"),
            ("хХχΧ", "x"), ("уУγΥ", "y"), ("Ζ", "z"),
        ]
        var table: [UInt32: UInt8] = [:]
        for (letters, latin) in pairs {
            for scalar in letters.unicodeScalars { table[scalar.value] = latin.asciiValue! }
        }
        return table
    }()

    /// Accented Latin letters (é → e), ligatures, and the mathematical and enclosed
    /// alphanumerics (𝐢𝐠𝐧𝐨𝐫𝐞, ⓘ) through their compatibility decomposition.
    private static func decomposed(_ scalar: Unicode.Scalar) -> FoldedScalar? {
        let value = scalar.value
        guard
            (0x00C0...0x024F).contains(value) || (0x1E00...0x1EFF).contains(value) || (0x2460...0x24FF).contains(value)
                || (0x1D400...0x1D7FF).contains(value) || (0xFB00...0xFB06).contains(value)
        else { return nil }
        if let cached = decompositionCache[value] { return cached }
        guard let first = String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars.first, first.value < 0x80 else { return nil }
        let byte = UInt8(first.value)
        if ByteClass.isLetter(byte) { return .letter(byte | 0x20) }
        if ByteClass.isDigit(byte) { return .digit(byte) }
        return nil
    }

    /// The common accented letters, decomposed once.
    private static let decompositionCache: [UInt32: FoldedScalar] = {
        var table: [UInt32: FoldedScalar] = [:]
        for value in UInt32(0x00C0)...0x017F {
            guard let scalar = Unicode.Scalar(value),
                let first = String(scalar).decomposedStringWithCompatibilityMapping.unicodeScalars.first, first.value < 0x80
            else { continue }
            let byte = UInt8(first.value)
            if ByteClass.isLetter(byte) { table[value] = .letter(byte | 0x20) }
        }
        table[0x00DF] = .letter(UInt8(ascii: "s"))  // ß
        table[0x00F8] = .letter(UInt8(ascii: "o"))  // ø
        table[0x00D8] = .letter(UInt8(ascii: "o"))
        table[0x0142] = .letter(UInt8(ascii: "l"))  // ł
        table[0x0141] = .letter(UInt8(ascii: "l"))
        return table
    }()

    /// Digits and symbols written for letters (1gn0r3 4ll pr3v10u5), read back as letters when
    /// they sit inside a word that has letters.
    static func leet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0"): return UInt8(ascii: "o")
        case UInt8(ascii: "1"), UInt8(ascii: "!"), UInt8(ascii: "|"): return UInt8(ascii: "i")
        case UInt8(ascii: "3"): return UInt8(ascii: "e")
        case UInt8(ascii: "4"), UInt8(ascii: "@"): return UInt8(ascii: "a")
        case UInt8(ascii: "5"), UInt8(ascii: "$"): return UInt8(ascii: "s")
        case UInt8(ascii: "6"), UInt8(ascii: "9"): return UInt8(ascii: "g")
        case UInt8(ascii: "7"), UInt8(ascii: "+"): return UInt8(ascii: "t")
        case UInt8(ascii: "8"): return UInt8(ascii: "b")
        case UInt8(ascii: "2"): return UInt8(ascii: "z")
        default: return nil
        }
    }
}
