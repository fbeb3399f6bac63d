import KeelCore

/// The image of an OpenAI `image_url` content part: base64 data from a `data:` URL, or a link.
enum ImageReference {
    case inline(mediaType: String, base64: String)
    case link(String)

    /// `path` names the part, for the error a malformed URL gets.
    static func parse(_ part: JSONValue, path: String) throws(KeelError) -> ImageReference {
        let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
        let param = "\(path).image_url.url"
        if url.hasPrefix("data:") {
            let header = url.dropFirst(5).prefix { $0 != "," }
            guard header.hasSuffix(";base64"), let comma = url.firstIndex(of: ",") else {
                throw KeelError.invalidRequest("An image data URL must be base64-encoded.", param: param)
            }
            return .inline(mediaType: String(header.dropLast(7)), base64: String(url[url.index(after: comma)...]))
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw KeelError.invalidRequest("An image URL must be a data: URL or an http(s) URL.", param: param)
        }
        return .link(url)
    }
}
