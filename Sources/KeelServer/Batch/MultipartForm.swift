import Foundation
import KeelCore

/// A `multipart/form-data` body (RFC 7578), as the OpenAI SDKs upload files: each part's
/// name, its filename if it is a file, and its bytes.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var data: Data
    }

    let parts: [Part]

    func value(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    func file(_ name: String) -> Part? { parts.first { $0.name == name && $0.filename != nil } }

    init(contentType: String, body: Data) throws(KeelError) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty
        else {
            throw KeelError.invalidRequest("Expected a multipart/form-data body with a boundary.", code: "invalid_content_type")
        }
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [Part] = []
        var sections: [Data] = []
        var searchStart = body.startIndex
        var previous: Data.Index?
        while let range = body.range(of: delimiter, in: searchStart..<body.endIndex) {
            if let previous { sections.append(body[previous..<range.lowerBound]) }
            previous = range.upperBound
            searchStart = range.upperBound
        }
        for section in sections {
            // Each section: CRLF, headers, CRLF CRLF, content, CRLF (before the next delimiter).
            var section = section
            if section.starts(with: Data("\r\n".utf8)) { section = section.dropFirst(2) }
            guard let split = section.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let headers = String(decoding: section[section.startIndex..<split.lowerBound], as: UTF8.self)
            var content = section[split.upperBound...]
            if content.suffix(2) == Data("\r\n".utf8) { content = content.dropLast(2) }
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition") }),
                let name = Self.parameter("name", in: String(disposition))
            else { continue }
            parts.append(Part(name: name, filename: Self.parameter("filename", in: String(disposition)), data: Data(content)))
        }
        guard !parts.isEmpty else { throw KeelError.invalidRequest("The multipart body has no parts.", code: "invalid_multipart") }
        self.parts = parts
    }

    /// `name="value"` or `name=value` in a header.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
