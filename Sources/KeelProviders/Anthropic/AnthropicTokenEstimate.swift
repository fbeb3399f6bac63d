import KeelCore

/// A cheap, low estimate of the tokens in part of a Messages request: the UTF-8 bytes of its
/// strings and keys, divided by 4. Claude's tokenizer gives about one token per 3.5 to 4
/// characters of English, fewer characters for code, JSON and most other scripts, and
/// punctuation is not counted here, so the estimate errs low: a prefix it puts over a cache
/// minimum is over it. Images and documents count nothing (their tokens depend on pixels and
/// pages, not on the bytes of their data).
enum AnthropicTokenEstimate {
    static func tokens(in value: JSONValue) -> Int {
        bytes(in: value) / 4
    }

    static func bytes(in value: JSONValue) -> Int {
        switch value {
        case .string(let text):
            return text.utf8.count
        case .array(let values):
            return values.reduce(0) { $0 + bytes(in: $1) }
        case .object(let object):
            return object.reduce(0) { total, entry in
                entry.key == "source" || entry.key == "cache_control" ? total : total + entry.key.utf8.count + bytes(in: entry.value)
            }
        case .null, .bool, .int, .double:
            return 0
        }
    }
}
