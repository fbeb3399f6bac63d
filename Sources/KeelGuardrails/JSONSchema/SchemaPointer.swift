import Foundation
import KeelCore

/// A location in a schema document (RFC 6901 JSON pointer), printed as a URI fragment: `#/$defs/a~1b`.
struct SchemaPointer: Hashable, Sendable, CustomStringConvertible {
    static let root = SchemaPointer(tokens: [])

    private(set) var tokens: [String]

    func appending(_ token: String) -> SchemaPointer {
        SchemaPointer(tokens: tokens + [token])
    }

    func appending(_ index: Int) -> SchemaPointer {
        appending(String(index))
    }

    var description: String {
        "#" + tokens.map { "/" + Self.escape($0) }.joined()
    }

    /// Parses the fragment of a `$ref` after its `#`: empty, or `/`-separated tokens that are
    /// percent-encoded (it is a URI fragment) and then `~0`/`~1`-escaped.
    init?(fragment: String) {
        guard let decoded = fragment.removingPercentEncoding else { return nil }
        if decoded.isEmpty {
            tokens = []
            return
        }
        guard decoded.hasPrefix("/") else { return nil }
        tokens = decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { Self.unescape(String($0)) }
    }

    private init(tokens: [String]) {
        self.tokens = tokens
    }

    /// The value at this location, or nil when there is none.
    func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Self.arrayIndex(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    /// RFC 6901 indexes: decimal digits, no leading zero.
    private static func arrayIndex(_ token: String) -> Int? {
        guard token == "0" || (!token.hasPrefix("0") && token.allSatisfy(\.isASCIIDigit)) else { return nil }
        return Int(token)
    }

    private static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    // RFC 6901 order: `~0` first would turn `~01` into `/` instead of `~1`.
    private static func unescape(_ token: String) -> String {
        token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
