import KeelCore

/// About four bytes of UTF-8 a token: the estimate where no vocabulary applies (providers
/// other than OpenAI's, usage a provider did not report, rate-limit and budget reservations).
enum TokenEstimate {
    static func tokens(in text: String) -> Int { (text.utf8.count + 3) / 4 }

    static func tokens(in value: JSONValue) -> Int {
        if case .string(let text) = value { return tokens(in: text) }
        return tokens(in: value.encodedString())
    }
}
