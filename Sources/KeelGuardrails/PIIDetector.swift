#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Personal data in free text: email addresses, phone numbers (international and common national
/// formats), payment cards (Luhn-checked, known issuer prefixes), US social security numbers,
/// IBANs (mod-97 checked), IPv4 and IPv6 addresses. Written against hard negatives: order and
/// tracking numbers (unseparated digits), version strings, dates and times, UUIDs do not match.
public struct PIIDetector: TextDetector {
    public init() {}

    public func findings(in text: String) -> [Finding] {
        let bytes = Array(text.utf8)
        var found = EmailScanner.scan(bytes) + NumberScanner.scan(bytes) + IBANScanner.scan(bytes) + IPv6Scanner.scan(bytes)
        found.sort { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.range.count > $1.range.count) }
        var kept: [Finding] = []
        for finding in found where kept.last.map({ finding.range.lowerBound >= $0.range.upperBound }) ?? true {
            kept.append(finding)
        }
        return kept
    }
}

enum EmailScanner {
    static func isLocal(_ byte: UInt8) -> Bool {
        ByteClass.isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "%")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    static func isDomain(_ byte: UInt8) -> Bool {
        ByteClass.isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    static func scan(_ bytes: [UInt8]) -> [Finding] {
        var found: [Finding] = []
        var index = 0
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "@") else { continue }
            var start = index
            while start > 0, isLocal(bytes[start - 1]) { start -= 1 }
            while start < index, bytes[start] == UInt8(ascii: ".") { start += 1 }
            guard start < index else { continue }
            var end = bytes.runEnd(from: index + 1, while: isDomain)
            while end > index + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            let labels = bytes[(index + 1)..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }), let top = labels.last, top.count >= 2,
                top.allSatisfy(ByteClass.isLetter)
            else { continue }
            found.append(Finding(check: "pii", type: "EMAIL", range: start..<end))
            index = end - 1
        }
        return found
    }
}

/// Digit groups joined by single separators: cards, SSNs, phone numbers, IPv4 addresses.
enum NumberScanner {
    struct Groups {
        var digits: [[UInt8]] = []
        var separators: [UInt8] = []
        var plus = false
        /// The first group was written in parentheses: `(555) 123-4567`.
        var parenthesised = false
        var allDigits: [UInt8] { digits.flatMap { $0 } }
    }

    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    static func scan(_ bytes: [UInt8]) -> [Finding] {
        var found: [Finding] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let starts = ByteClass.isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")
            guard starts,
                index == 0
                    || !(ByteClass.isAlphanumeric(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: ".")
                        || bytes[index - 1] == UInt8(ascii: "-") || bytes[index - 1] == UInt8(ascii: "_") || bytes[index - 1] == UInt8(ascii: "/"))
            else {
                // Inside a word or an identifier: skip past it.
                index = ByteClass.isAlphanumeric(byte) ? bytes.runEnd(from: index + 1, while: ByteClass.isAlphanumeric) : index + 1
                continue
            }
            if ByteClass.isDigit(byte) {
                // A lone number shorter than any card (a quantity, a year, an order number) is
                // none of these, and most numbers in prose are such: skip it without its groups.
                let end = bytes.runEnd(from: index, while: ByteClass.isDigit)
                let continues = end + 1 < bytes.count && isSeparator(bytes[end]) && ByteClass.isDigit(bytes[end + 1])
                if !continues, end - index < 13 {
                    index = end
                    continue
                }
            }
            guard let (groups, end) = parse(bytes, from: index) else {
                index = bytes.runEnd(from: index + 1) { ByteClass.isDigit($0) }
                continue
            }
            if let type = classify(groups) {
                found.append(Finding(check: "pii", type: type, range: index..<end))
            }
            index = end
        }
        return found
    }

    /// Groups from `start`; nil when what follows is glued to letters (an identifier, a UUID).
    static func parse(_ bytes: [UInt8], from start: Int) -> (Groups, Int)? {
        var groups = Groups()
        var index = start
        if bytes[index] == UInt8(ascii: "+") {
            groups.plus = true
            index += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "(") {
            let close = bytes.runEnd(from: index + 1, while: ByteClass.isDigit)
            guard close < bytes.count, bytes[close] == UInt8(ascii: ")"), close > index + 1 else { return nil }
            groups.digits.append(Array(bytes[(index + 1)..<close]))
            groups.parenthesised = true
            index = close + 1
            if index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "-") {
                groups.separators.append(bytes[index])
                index += 1
            } else {
                groups.separators.append(UInt8(ascii: ")"))
            }
        }
        while index < bytes.count, ByteClass.isDigit(bytes[index]) {
            let end = bytes.runEnd(from: index, while: ByteClass.isDigit)
            groups.digits.append(Array(bytes[index..<end]))
            index = end
            guard index + 1 < bytes.count, isSeparator(bytes[index]), ByteClass.isDigit(bytes[index + 1]) else { break }
            groups.separators.append(bytes[index])
            index += 1
        }
        guard !groups.digits.isEmpty else { return nil }
        if index < bytes.count, ByteClass.isLetter(bytes[index]) || bytes[index] == UInt8(ascii: "_") || bytes[index] == UInt8(ascii: ":") {
            return nil
        }
        // A separator glued to a hex group is a UUID or a hash, not a number.
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), ByteClass.isAlphanumeric(bytes[index + 1]) { return nil }
        return (groups, index)
    }

    static func classify(_ groups: Groups) -> String? {
        let digits = groups.allDigits
        let lengths = groups.digits.map(\.count)
        let separators = Set(groups.separators)
        if !groups.plus, !groups.parenthesised, separators == [UInt8(ascii: ".")], lengths.count == 4, isIPv4(groups.digits) {
            return "IP_ADDRESS"
        }
        if !groups.plus, !groups.parenthesised, lengths == [3, 2, 4], separators.count == 1, separators.first != UInt8(ascii: "."),
            isSSN(groups.digits)
        {
            return "US_SSN"
        }
        if !groups.plus, !groups.parenthesised, isCard(digits, groups: lengths, separators: separators) { return "CREDIT_CARD" }
        if isPhone(groups, digits: digits, lengths: lengths, separators: separators) { return "PHONE_NUMBER" }
        return nil
    }

    static func isIPv4(_ groups: [[UInt8]]) -> Bool {
        groups.allSatisfy { group in
            guard group.count <= 3, group.count == 1 || group[0] != UInt8(ascii: "0") else { return false }
            return Int(String(decoding: group, as: UTF8.self))! <= 255
        }
    }

    static func isSSN(_ groups: [[UInt8]]) -> Bool {
        let area = Int(String(decoding: groups[0], as: UTF8.self))!
        let group = Int(String(decoding: groups[1], as: UTF8.self))!
        let serial = Int(String(decoding: groups[2], as: UTF8.self))!
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    /// 13 to 19 digits, whole or in groups of 4 (Amex 4-6-5), a known issuer prefix and length,
    /// and a valid Luhn check digit.
    static func isCard(_ digits: [UInt8], groups: [Int], separators: Set<UInt8>) -> Bool {
        guard (13...19).contains(digits.count), separators.count <= 1, separators.first != UInt8(ascii: ".") else { return false }
        let grouped = groups.count == 1 || groups.dropLast().allSatisfy { $0 == 4 } || groups == [4, 6, 5] || groups == [4, 6, 4]
        guard grouped, issuerMatches(digits) else { return false }
        return luhn(digits)
    }

    static func issuerMatches(_ digits: [UInt8]) -> Bool {
        func prefix(_ count: Int) -> Int { Int(String(decoding: digits.prefix(count), as: UTF8.self))! }
        let length = digits.count
        switch digits[0] {
        case UInt8(ascii: "4"): return [13, 16, 19].contains(length)
        case UInt8(ascii: "5"): return (51...55).contains(prefix(2)) && length == 16
        case UInt8(ascii: "2"): return (2221...2720).contains(prefix(4)) && length == 16
        case UInt8(ascii: "3"):
            return ([34, 37].contains(prefix(2)) && length == 15) || ([36, 38, 30].contains(prefix(2)) && length == 14)
                || ((3528...3589).contains(prefix(4)) && (16...19).contains(length))
        case UInt8(ascii: "6"): return (prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3))) && (16...19).contains(length)
        default: return false
        }
    }

    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var value = Int(byte - UInt8(ascii: "0"))
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// `+` and 8 to 15 digits in groups; or a national number written with separators in one
    /// of the common layouts (North American 3-3-4 and `(3) 3-4`, European trunk `0` numbers).
    static func isPhone(_ groups: Groups, digits: [UInt8], lengths: [Int], separators: Set<UInt8>) -> Bool {
        if groups.plus {
            return (8...15).contains(digits.count) && digits[0] != UInt8(ascii: "0") && (lengths.count >= 2 || digits.count >= 10)
        }
        guard separators.count == 1 || groups.parenthesised, lengths.count >= 2 else { return false }
        if lengths == [3, 3, 4] || (groups.parenthesised && lengths == [3, 3, 4]) {
            return digits[0] >= UInt8(ascii: "2") && digits[3] >= UInt8(ascii: "2")
        }
        if lengths == [1, 3, 3, 4], digits[0] == UInt8(ascii: "1") { return separators.count == 1 }
        // French and Belgian style: 0X XX XX XX XX.
        if lengths == [2, 2, 2, 2, 2], digits[0] == UInt8(ascii: "0") { return !separators.contains(UInt8(ascii: ".")) }
        if digits[0] == UInt8(ascii: "0"), (10...11).contains(digits.count), lengths.count <= 4, lengths.allSatisfy({ $0 >= 2 }),
            lengths.dropFirst().allSatisfy({ $0 >= 3 }), !separators.contains(UInt8(ascii: "."))
        {
            return true
        }
        return false
    }
}

enum IBANScanner {
    static func scan(_ bytes: [UInt8]) -> [Finding] {
        var found: [Finding] = []
        var index = 0
        while index + 4 <= bytes.count {
            guard ByteClass.isUpper(bytes[index]), ByteClass.isUpper(bytes[index + 1]), ByteClass.isDigit(bytes[index + 2]),
                ByteClass.isDigit(bytes[index + 3]), index == 0 || !ByteClass.isAlphanumeric(bytes[index - 1])
            else {
                index += 1
                continue
            }
            var characters: [UInt8] = []
            var end = index
            while end < bytes.count {
                if ByteClass.isDigit(bytes[end]) || ByteClass.isUpper(bytes[end]) {
                    characters.append(bytes[end])
                    end += 1
                } else if bytes[end] == UInt8(ascii: " "), end + 1 < bytes.count, ByteClass.isAlphanumeric(bytes[end + 1]),
                    characters.count % 4 == 0
                {
                    end += 1
                } else {
                    break
                }
            }
            if end < bytes.count, ByteClass.isLower(bytes[end]) {
                index = end
                continue
            }
            if (15...34).contains(characters.count), mod97(characters) == 1 {
                found.append(Finding(check: "pii", type: "IBAN", range: index..<end))
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// The IBAN check: the first four characters moved to the end, letters as 10...35, mod 97.
    static func mod97(_ characters: [UInt8]) -> Int {
        var remainder = 0
        for byte in characters.dropFirst(4) + characters.prefix(4) {
            if ByteClass.isDigit(byte) {
                remainder = (remainder * 10 + Int(byte - UInt8(ascii: "0"))) % 97
            } else {
                remainder = (remainder * 100 + Int(byte - UInt8(ascii: "A")) + 10) % 97
            }
        }
        return remainder
    }
}

enum IPv6Scanner {
    static func isAddressByte(_ byte: UInt8) -> Bool {
        ByteClass.isHex(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }

    static func scan(_ bytes: [UInt8]) -> [Finding] {
        var found: [Finding] = []
        var index = 0
        while index < bytes.count {
            let gluedToWord = index > 0 && ByteClass.isAlphanumeric(bytes[index - 1])
            guard isAddressByte(bytes[index]), !gluedToWord, index == 0 || bytes[index - 1] != UInt8(ascii: ":") else {
                // Inside a word no address starts before the word ends.
                index = gluedToWord ? max(index + 1, bytes.runEnd(from: index, while: ByteClass.isAlphanumeric)) : index + 1
                continue
            }
            var end = bytes.runEnd(from: index, while: isAddressByte)
            while end > index, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
            let colons = bytes[index..<end].reduce(0) { $0 + ($1 == UInt8(ascii: ":") ? 1 : 0) }
            let glued = end < bytes.count && ByteClass.isAlphanumeric(bytes[end])
            if colons >= 2, !glued, end - index >= 3, isIPv6(bytes[index..<end]) {
                found.append(Finding(check: "pii", type: "IP_ADDRESS", range: index..<end))
            }
            index = max(end, index + 1)
        }
        return found
    }

    static func isIPv6(_ text: ArraySlice<UInt8>) -> Bool {
        var address = in6_addr()
        return String(decoding: text, as: UTF8.self).withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }
}
