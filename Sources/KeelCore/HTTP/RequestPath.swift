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
        guard bytes.first == slash else {
            return target == "*" ? .unchanged : .refused(reason: "The request target must be a path beginning with '/'.")
        }
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let path = bytes[..<pathEnd]
        if let reason = refusal(in: path) { return .refused(reason: reason) }
        if isCanonical(path) { return .unchanged }
        // Split on bytes, not characters: a combining mark after a '/' would otherwise hide it.
        var segments: [Substring.UTF8View.SubSequence] = []
        for segment in path.split(separator: slash, omittingEmptySubsequences: true) {
            switch segment.count {
            case 1 where segment.first == dot: continue
            case 2 where segment.allSatisfy({ $0 == dot }):
                guard segments.popLast() != nil else { return .refused(reason: "The request path goes above the root with '..'.") }
            default: segments.append(segment)
            }
        }
        var canonical: [UInt8] = []
        canonical.reserveCapacity(bytes.count)
        for segment in segments {
            canonical.append(slash)
            canonical.append(contentsOf: segment)
        }
        if canonical.isEmpty { canonical.append(slash) }
        canonical.append(contentsOf: bytes[pathEnd...])
        return .normalised(String(decoding: canonical, as: UTF8.self))
    }

    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// No empty segment (`//` or a trailing slash), no `.` or `..` segment: nothing to change.
    /// A segment that merely starts with a dot (`/.well-known`) is an ordinary one.
    private static func isCanonical(_ path: Substring.UTF8View) -> Bool {
        var segmentLength = 0
        var segmentIsDots = true
        for byte in path.dropFirst() {
            if byte == slash {
                if segmentLength == 0 || (segmentIsDots && segmentLength <= 2) { return false }
                segmentLength = 0
                segmentIsDots = true
            } else {
                segmentLength += 1
                segmentIsDots = segmentIsDots && byte == dot
            }
        }
        return path.count == 1 || (segmentLength > 0 && !(segmentIsDots && segmentLength <= 2))
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
