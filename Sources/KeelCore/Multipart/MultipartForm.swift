import Foundation

/// A `multipart/form-data` body (RFC 7578), as the OpenAI SDKs upload files: each part's
/// name, its filename if it is a file, and its bytes.
public struct MultipartForm: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var data: Data

        public init(name: String, filename: String? = nil, data: Data) {
            self.name = name
            self.filename = filename
            self.data = data
        }
    }

    public let parts: [Part]

    /// The first field (not file) called `name`, as text.
    public func value(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// The first file called `name`.
    public func file(_ name: String) -> Part? { parts.first { $0.name == name && $0.filename != nil } }

    public init(contentType: String, body: Data) throws(KeelError) {
        let boundary = try MultipartBoundary(contentType: contentType)
        let rawParts: Result<[MultipartBodyReader.RawPart], KeelError> = body.withUnsafeBytes { bytes in
            Result { () throws(KeelError) in try MultipartBodyReader(body: bytes, boundary: boundary).parts() }
        }
        var parts: [Part] = []
        for raw in try rawParts.get() { parts.append(try Self.part(raw, in: body)) }
        guard !parts.isEmpty else { throw MultipartBodyReader.invalid("The multipart body has no parts.") }
        self.parts = parts
    }

    private static func part(_ raw: MultipartBodyReader.RawPart, in body: Data) throws(KeelError) -> Part {
        guard let disposition = raw.headers.first(where: { $0.name == "content-disposition" }).map({ HeaderParameters($0.value) }),
            let name = disposition["name"]
        else {
            throw MultipartBodyReader.invalid("A multipart part has no Content-Disposition header with a name.")
        }
        let start = body.startIndex + raw.content.lowerBound
        // A copy, so that the part's indices start at zero and it does not keep the whole body alive.
        return Part(name: name, filename: disposition["filename"], data: Data(body[start..<(start + raw.content.count)]))
    }
}

/// The boundary from a `multipart/form-data` Content-Type (quoted or not), checked against
/// RFC 2046: 1 to 70 printable ASCII characters, not ending in a space.
struct MultipartBoundary {
    /// `--` and the boundary, as it opens each part.
    let dashBoundary: [UInt8]

    init(contentType: String) throws(KeelError) {
        let header = HeaderParameters(contentType)
        guard header.value == "multipart/form-data" else {
            throw KeelError.invalidRequest("Expected a multipart/form-data body with a boundary.", code: "invalid_content_type")
        }
        guard let boundary = header["boundary"], !boundary.isEmpty else {
            throw KeelError.invalidRequest("The multipart/form-data Content-Type has no boundary.", code: "invalid_content_type")
        }
        let bytes = Array(boundary.utf8)
        guard bytes.count <= 70, bytes.allSatisfy({ (0x20...0x7E).contains($0) }), bytes.last != UInt8(ascii: " ") else {
            throw KeelError.invalidRequest(
                "The multipart boundary must be 1 to 70 printable ASCII characters, not ending in a space (RFC 2046).", code: "invalid_content_type")
        }
        dashBoundary = Array("--".utf8) + bytes
    }
}
