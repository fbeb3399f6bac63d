import Foundation
import FuzzSupport
import KeelCore

/// MultipartForm on any Content-Type (the input's first line) and body (the rest): parts or a
/// KeelError, never a crash; and parts that parse, written out again with a fresh boundary
/// (names quoted, filenames in the RFC 5987 form), parse to the same parts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let lineEnd = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.count
    let contentType = String(decoding: input[..<lineEnd], as: UTF8.self)
    let body = Data(input[min(lineEnd + 1, input.count)...])
    guard let form = try? MultipartForm(contentType: contentType, body: body) else { return 0 }
    let (rewrittenType, rewrittenBody) = MultipartWriter.write(form.parts)
    do {
        let reparsed = try MultipartForm(contentType: rewrittenType, body: rewrittenBody)
        Property.require(reparsed.parts == form.parts, "parts \(form.parts) were written and read back as \(reparsed.parts)")
    } catch {
        fatalError("Property broken: parts \(form.parts) were written as a body that does not parse: \(error)")
    }
    return 0
}

/// Writes parts as a multipart/form-data body, the way a careful client would.
enum MultipartWriter {
    static func write(_ parts: [MultipartForm.Part]) -> (contentType: String, body: Data) {
        let boundary = freshBoundary(avoiding: parts)
        var body = Data()
        for part in parts {
            var disposition = "Content-Disposition: form-data; name=\"\(quoted(part.name))\""
            if let filename = part.filename { disposition += "; filename*=UTF-8''\(percentEncoded(filename))" }
            body.append(Data("--\(boundary)\r\n\(disposition)\r\n\r\n".utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    private static func freshBoundary(avoiding parts: [MultipartForm.Part]) -> String {
        var counter = 0
        while true {
            let boundary = "keel-fuzz-\(counter)"
            let marker = Data(boundary.utf8)
            if !parts.contains(where: { $0.data.range(of: marker) != nil }) { return boundary }
            counter += 1
        }
    }

    /// Escaped scalar by scalar: `replacingOccurrences` compares characters, and a `\` followed by
    /// a combining mark is one character that is not `\`, so it went out unescaped.
    private static func quoted(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return String(escaped)
    }

    private static func percentEncoded(_ text: String) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        return text.utf8.map { unreserved.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}
