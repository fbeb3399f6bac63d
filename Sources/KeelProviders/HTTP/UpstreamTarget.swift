import NIOHTTP1

/// A provider URL and the headers sent to it, made once: the origin to connect to and the
/// request head without its length, so that a request only adds its `content-length`.
public struct UpstreamTarget: Sendable {
    let origin: UpstreamOrigin
    private let head: HTTPRequestHead

    /// `headers` are the provider's own (authentication, configured extras); they replace
    /// Keel's defaults of the same name.
    public init(url: String, headers: [(String, String)]) throws(UpstreamError) {
        let path: String
        do {
            (origin, path) = try UpstreamOrigin.parse(url)
        } catch {
            throw UpstreamError(kind: .connection, message: "The provider URL is invalid: \(error).")
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.reserveCapacity(6 + headers.count)
        head.headers.add(name: "host", value: origin.hostHeader)
        head.headers.add(name: "user-agent", value: "keel")
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "accept", value: "application/json, text/event-stream")
        for (name, value) in headers { head.headers.replaceOrAdd(name: name, value: value) }
        head.headers.remove(name: "content-length")  // each request sets its own
        self.head = head
    }

    func head(contentLength: Int) -> HTTPRequestHead {
        var head = head
        head.headers.add(name: "content-length", value: String(contentLength))
        return head
    }
}
