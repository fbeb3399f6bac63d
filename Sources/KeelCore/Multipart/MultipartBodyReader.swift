import Foundation

/// Finds the parts of a multipart body (RFC 2046) by their delimiters: `--boundary` at the start
/// of the body or of a line, then `--` for the close, or optional spaces and a line break. Line
/// breaks may be CRLF or a bare LF. A boundary string inside content that is not such a
/// delimiter stays content; a body that ends before its close delimiter is refused rather than
/// losing its last part.
struct MultipartBodyReader {
    struct Header {
        /// Lowercased.
        let name: String
        let value: String
    }

    struct RawPart {
        let headers: [Header]
        /// Offsets of the part's content in the body.
        let content: Range<Int>
    }

    let body: UnsafeRawBufferPointer
    let boundary: MultipartBoundary

    static func invalid(_ message: String) -> KeelError { KeelError.invalidRequest(message, code: "invalid_multipart") }

    func parts() throws(KeelError) -> [RawPart] {
        guard var current = firstDelimiter() else {
            throw Self.invalid("The multipart body does not contain the boundary its Content-Type names.")
        }
        var parts: [RawPart] = []
        while !current.closes {
            guard let next = delimiter(after: current.end) else {
                throw Self.invalid("The multipart body ends without its closing boundary (--boundary--).")
            }
            parts.append(try part(in: current.end..<next.precedingContentEnd))
            current = next
        }
        return parts
    }

    private struct Delimiter {
        /// Where the content before it ends: before the line break that precedes the boundary.
        let precedingContentEnd: Int
        /// Just after its line (the next part's first byte), or after the closing `--`.
        let end: Int
        let closes: Bool
    }

    private func firstDelimiter() -> Delimiter? {
        if let delimiter = delimiter(at: 0, contentEnd: 0) { return delimiter }
        return delimiter(after: 0)
    }

    /// The first delimiter at the start of a line at or after `start`. The search begins on the
    /// line break just before `start` too, so that an empty part is still seen as one.
    private func delimiter(after start: Int) -> Delimiter? {
        var position = max(start - 1, 0)
        while let lineFeed = find(UInt8(ascii: "\n"), from: position) {
            let contentEnd = lineFeed > start && body[lineFeed - 1] == UInt8(ascii: "\r") ? lineFeed - 1 : max(lineFeed, start)
            if let delimiter = delimiter(at: lineFeed + 1, contentEnd: contentEnd) { return delimiter }
            position = lineFeed + 1
        }
        return nil
    }

    private func delimiter(at position: Int, contentEnd: Int) -> Delimiter? {
        let dashBoundary = boundary.dashBoundary
        guard position + dashBoundary.count <= body.count,
            dashBoundary.indices.allSatisfy({ body[position + $0] == dashBoundary[$0] })
        else { return nil }
        var index = position + dashBoundary.count
        if index + 2 <= body.count, body[index] == UInt8(ascii: "-"), body[index + 1] == UInt8(ascii: "-") {
            return Delimiter(precedingContentEnd: contentEnd, end: index + 2, closes: true)
        }
        while index < body.count, body[index] == UInt8(ascii: " ") || body[index] == UInt8(ascii: "\t") { index += 1 }
        if index + 1 < body.count, body[index] == UInt8(ascii: "\r"), body[index + 1] == UInt8(ascii: "\n") {
            return Delimiter(precedingContentEnd: contentEnd, end: index + 2, closes: false)
        }
        if index < body.count, body[index] == UInt8(ascii: "\n") {
            return Delimiter(precedingContentEnd: contentEnd, end: index + 1, closes: false)
        }
        return nil
    }

    /// Header lines up to the first empty line, then the content.
    private func part(in range: Range<Int>) throws(KeelError) -> RawPart {
        var headers: [Header] = []
        var lineStart = range.lowerBound
        while true {
            guard let lineFeed = find(UInt8(ascii: "\n"), from: lineStart, before: range.upperBound) else {
                throw Self.invalid("A multipart part has no empty line after its headers.")
            }
            var lineEnd = lineFeed
            if lineEnd > lineStart, body[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if lineEnd == lineStart { return RawPart(headers: headers, content: (lineFeed + 1)..<range.upperBound) }
            let line = String(decoding: body[lineStart..<lineEnd], as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                headers.append(
                    Header(
                        name: line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            lineStart = lineFeed + 1
        }
    }

    /// memchr, so that a file of many megabytes is scanned at memory speed even in a debug build.
    private func find(_ byte: UInt8, from start: Int, before end: Int? = nil) -> Int? {
        let end = end ?? body.count
        guard start < end, let base = body.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
