import Foundation

/// Credentials in free text: provider API keys by their published shapes (OpenAI, Anthropic,
/// AWS access keys, GitHub, Slack, Stripe, Google), private key blocks, JWTs, and
/// high-entropy values assigned to a key, token, secret or password.
public struct SecretsDetector: TextDetector {
    struct KeyShape: Sendable {
        let prefix: [UInt8]
        let type: String
        /// How many key characters must follow the prefix, at least (and at most).
        let minimum: Int
        let maximum: Int
        let alphabet: @Sendable (UInt8) -> Bool

        init(
            _ prefix: String, _ type: String, minimum: Int, maximum: Int = 512,
            alphabet: @escaping @Sendable (UInt8) -> Bool = ByteClass.isKeyCharacter
        ) {
            self.prefix = Array(prefix.utf8)
            self.type = type
            self.minimum = minimum
            self.maximum = maximum
            self.alphabet = alphabet
        }
    }

    /// Longer prefixes first, so that `sk-ant-` is not taken for an OpenAI `sk-`.
    static let shapes: [KeyShape] = [
        KeyShape("sk-ant-", "ANTHROPIC_KEY", minimum: 32),
        KeyShape("sk-", "OPENAI_KEY", minimum: 20),
        KeyShape("AKIA", "AWS_ACCESS_KEY", minimum: 16, maximum: 16, alphabet: { ByteClass.isUpper($0) || ByteClass.isDigit($0) }),
        KeyShape("ASIA", "AWS_ACCESS_KEY", minimum: 16, maximum: 16, alphabet: { ByteClass.isUpper($0) || ByteClass.isDigit($0) }),
        KeyShape("github_pat_", "GITHUB_TOKEN", minimum: 22),
        KeyShape("ghp_", "GITHUB_TOKEN", minimum: 36, alphabet: ByteClass.isAlphanumeric),
        KeyShape("gho_", "GITHUB_TOKEN", minimum: 36, alphabet: ByteClass.isAlphanumeric),
        KeyShape("ghu_", "GITHUB_TOKEN", minimum: 36, alphabet: ByteClass.isAlphanumeric),
        KeyShape("ghs_", "GITHUB_TOKEN", minimum: 36, alphabet: ByteClass.isAlphanumeric),
        KeyShape("ghr_", "GITHUB_TOKEN", minimum: 36, alphabet: ByteClass.isAlphanumeric),
        KeyShape("xoxb-", "SLACK_TOKEN", minimum: 10),
        KeyShape("xoxp-", "SLACK_TOKEN", minimum: 10),
        KeyShape("xoxa-", "SLACK_TOKEN", minimum: 10),
        KeyShape("xoxr-", "SLACK_TOKEN", minimum: 10),
        KeyShape("xoxs-", "SLACK_TOKEN", minimum: 10),
        KeyShape("sk_live_", "STRIPE_KEY", minimum: 16, alphabet: ByteClass.isAlphanumeric),
        KeyShape("rk_live_", "STRIPE_KEY", minimum: 16, alphabet: ByteClass.isAlphanumeric),
        KeyShape("sk_test_", "STRIPE_KEY", minimum: 16, alphabet: ByteClass.isAlphanumeric),
        KeyShape("AIza", "GOOGLE_API_KEY", minimum: 35, maximum: 35),
    ]

    static let assignmentNames: [[UInt8]] = ["api_key", "apikey", "api-key", "access_key", "secret", "token", "password", "passwd", "pwd", "key"]
        .map { Array($0.utf8) }

    public init() {}

    public func findings(in text: String) -> [Finding] {
        let bytes = Array(text.utf8)
        var found: [Finding] = []
        var index = 0
        // Every match starts a token: test each token's start once, then skip the token whole.
        while index < bytes.count {
            guard ByteClass.isKeyCharacter(bytes[index]) else {
                index += 1
                continue
            }
            if let finding = match(bytes, at: index) {
                found.append(finding)
                index = max(finding.range.upperBound, index + 1)
            } else {
                index = bytes.runEnd(from: index + 1, while: ByteClass.isKeyCharacter)
            }
        }
        return found
    }

    private func match(_ bytes: [UInt8], at index: Int) -> Finding? {
        switch bytes[index] {
        case UInt8(ascii: "-"): return privateKey(bytes, at: index)
        case UInt8(ascii: "e"): return jwt(bytes, at: index) ?? assignedSecret(bytes, at: index)
        case UInt8(ascii: "s"), UInt8(ascii: "A"), UInt8(ascii: "g"), UInt8(ascii: "x"), UInt8(ascii: "r"):
            return keyShape(bytes, at: index) ?? assignedSecret(bytes, at: index)
        case UInt8(ascii: "a"), UInt8(ascii: "S"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "p"), UInt8(ascii: "P"),
            UInt8(ascii: "k"), UInt8(ascii: "K"):
            return assignedSecret(bytes, at: index)
        default: return nil
        }
    }

    private func startsToken(_ bytes: [UInt8], at index: Int) -> Bool {
        index == 0 || !ByteClass.isKeyCharacter(bytes[index - 1])
    }

    private func keyShape(_ bytes: [UInt8], at index: Int) -> Finding? {
        guard startsToken(bytes, at: index) else { return nil }
        for shape in Self.shapes where bytes.has(shape.prefix, at: index) {
            let bodyStart = index + shape.prefix.count
            let end = bytes.runEnd(from: bodyStart, while: shape.alphabet)
            let length = end - bodyStart
            guard length >= shape.minimum, length <= shape.maximum else { return nil }
            // A key has digits or mixed case; `sk-this-is-not-a-key` is words.
            let body = bytes[bodyStart..<end]
            guard body.contains(where: ByteClass.isDigit) || (body.contains(where: ByteClass.isUpper) && body.contains(where: ByteClass.isLower))
            else {
                return nil
            }
            return Finding(check: "secrets", type: shape.type, range: index..<end)
        }
        return nil
    }

    private static let beginMarker = Array("-----BEGIN ".utf8)
    private static let endMarker = Array("-----END ".utf8)
    private static let privateKeyWords = Array("PRIVATE KEY-----".utf8)

    private func privateKey(_ bytes: [UInt8], at index: Int) -> Finding? {
        guard bytes.has(Self.beginMarker, at: index) else { return nil }
        let lineEnd = bytes.runEnd(from: index) { $0 != 0x0A }
        guard bytes[index..<lineEnd].firstRange(of: Self.privateKeyWords) != nil else { return nil }
        var search = lineEnd
        while search < bytes.count {
            if bytes.has(Self.endMarker, at: search) {
                let close = bytes.runEnd(from: search) { $0 != 0x0A }
                if bytes[search..<close].firstRange(of: Self.privateKeyWords) != nil {
                    let end = min(bytes.count, search + (bytes[search..<close].firstRange(of: Self.privateKeyWords)!.upperBound - search))
                    return Finding(check: "secrets", type: "PRIVATE_KEY", range: index..<end)
                }
            }
            search += 1
        }
        // An unterminated block is still a key: redact to the end.
        return Finding(check: "secrets", type: "PRIVATE_KEY", range: index..<bytes.count)
    }

    private static let jwtStart = Array("eyJ".utf8)

    private func jwt(_ bytes: [UInt8], at index: Int) -> Finding? {
        guard startsToken(bytes, at: index), bytes.has(Self.jwtStart, at: index) else { return nil }
        var end = index
        for part in 0..<3 {
            let partEnd = bytes.runEnd(from: end, while: ByteClass.isKeyCharacter)
            guard partEnd - end >= (part == 2 ? 16 : 10) else { return nil }
            end = partEnd
            if part < 2 {
                guard end < bytes.count, bytes[end] == UInt8(ascii: ".") else { return nil }
                end += 1
            }
        }
        return Finding(check: "secrets", type: "JWT", range: index..<end)
    }

    /// `token=...`, `"api_key": "..."`, `password: ...`: the value when it is long and random.
    private func assignedSecret(_ bytes: [UInt8], at index: Int) -> Finding? {
        guard startsToken(bytes, at: index), let name = Self.assignmentNames.first(where: { bytes.hasCaseInsensitive($0, at: index) }) else {
            return nil
        }
        var cursor = bytes.runEnd(from: index + name.count, while: ByteClass.isKeyCharacter)
        cursor = bytes.runEnd(from: cursor) { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: " ") }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") || bytes[cursor] == UInt8(ascii: ":") else { return nil }
        cursor = bytes.runEnd(from: cursor + 1) { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: " ") }
        let valueEnd = bytes.runEnd(from: cursor) { ByteClass.isKeyCharacter($0) || "+/=.~".utf8.contains($0) }
        let value = bytes[cursor..<valueEnd]
        guard value.count >= 16, Self.entropy(value) >= 3.5 else { return nil }
        return Finding(check: "secrets", type: "SECRET", range: cursor..<valueEnd, score: min(1, Self.entropy(value) / 4.5))
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ value: ArraySlice<UInt8>) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for byte in value { counts[Int(byte)] += 1 }
        let total = Double(value.count)
        return counts.reduce(0.0) { sum, count in
            guard count > 0 else { return sum }
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }
}

extension Array where Element == UInt8 {
    func hasCaseInsensitive(_ prefix: [UInt8], at index: Int) -> Bool {
        guard index + prefix.count <= count else { return false }
        for offset in 0..<prefix.count where self[index + offset] | 0x20 != prefix[offset] | 0x20 { return false }
        return true
    }
}
