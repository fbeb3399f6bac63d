/// A request target's path made canonical once, before any route sees it: empty segments and
/// `.` are dropped, `..` removes the segment before it, and a trailing slash goes, so that
/// `//api/traces`, `/api//traces`, `/./api/keys` and `/v1/../api/keys` reach the routes their
/// canonical spellings name, with those routes' checks. Spellings that could mean two things to
/// two parsers are refused: a percent-encoded `/`, `\`, `.` or NUL, a `..` above the root, and a
/// target that is not a path (absolute or authority form).
public enum RequestPath {
    public enum Outcome: Equatable, Sendable {
        /// The target is canonical already (the usual case, found without allocating).
        case unchanged
        /// The canonical target, with the query kept as it was.
        case normalised(String)
        case refused(reason: String)
    }

    public static func normalise(_ target: String) -> Outcome {
        let bytes = target.utf8
        guard bytes.first == UInt8(ascii: "/") else {
            return target == "*" ? .unchanged : .refused(reason: "The request target must be a path beginning with '/'.")
        }
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let path = bytes[..<pathEnd]
        if isCanonical(path) { return .unchanged }
        if let reason = refusal(in: path) { return .refused(reason: reason) }
        var segments: [Substring] = []
        for segment in target[..<pathEnd].split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                guard segments.popLast() != nil else { return .refused(reason: "The request path goes above the root with '..'.") }
            default: segments.append(segment)
            }
        }
        return .normalised("/" + segments.joined(separator: "/") + target[pathEnd...])
    }

    /// No `//`, no segment starting with `.`, no `%`, and no trailing slash: nothing to change.
    private static func isCanonical(_ path: Substring.UTF8View) -> Bool {
        var previous: UInt8 = 0
        for byte in path {
            if byte == UInt8(ascii: "%") { return false }
            if previous == UInt8(ascii: "/"), byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") { return false }
            previous = byte
        }
        return path.count == 1 || previous != UInt8(ascii: "/")
    }

    private static let refusedEscapes: [(escape: String, name: String)] = [("2f", "/"), ("5c", "\\"), ("2e", "."), ("00", "NUL")]

    private static func refusal(in path: Substring.UTF8View) -> String? {
        var index = path.startIndex
        while let percent = path[index...].firstIndex(of: UInt8(ascii: "%")) {
            let digits = path[path.index(after: percent)...].prefix(2)
            let escape = String(decoding: digits, as: UTF8.self).lowercased()
            if let refused = refusedEscapes.first(where: { $0.escape == escape }) {
                return "The request path holds an encoded '\(refused.name)' (%\(escape.uppercased())), which Keel does not accept."
            }
            index = path.index(after: percent)
        }
        return nil
    }
}
