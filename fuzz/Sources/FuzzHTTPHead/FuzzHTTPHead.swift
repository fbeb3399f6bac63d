import FuzzSupport
import KeelCore
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// Any bytes on a connection, read in the reads the input's ChunkPlan chooses, through the HTTP/1
/// pipeline Keel's server configures; each request head that decodes has its target made
/// canonical as the server does (RequestPath.normalise), and the outcome is checked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let plan = ChunkPlan(UnsafeRawBufferPointer(start: start, count: count))
    let channel = EmbeddedChannel()
    do {
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
        // An EmbeddedChannel is inactive until connected, and reads nothing while inactive.
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
    } catch {
        fatalError("The HTTP pipeline could not be configured: \(error)")
    }
    for chunk in plan.chunks where channel.isActive {
        // A malformed request is the decoder's to refuse (with a 400); only what it decodes matters here.
        _ = try? channel.writeInbound(channel.allocator.buffer(bytes: chunk))
        answerRequests(on: channel)
    }
    _ = try? channel.finish()
    return 0
}

/// Checks each head and answers each request: the pipelining handler holds a connection's next
/// request back until the one before it has its response.
private func answerRequests(on channel: EmbeddedChannel) {
    while channel.isActive, let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        switch part {
        case .head(let head): RequestTargetProperties.check(head.uri)
        case .body: continue
        case .end:
            let head = HTTPResponseHead(version: .http1_1, status: .noContent)
            _ = try? channel.writeOutbound(HTTPServerResponsePart.head(head))
            _ = try? channel.writeOutbound(HTTPServerResponsePart.end(nil))
            while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
        }
    }
}

/// What RequestPath.normalise promises for a target: a target it leaves unchanged or makes
/// canonical has a canonical path (the query is the application's), and canonical stays canonical.
enum RequestTargetProperties {
    static func check(_ target: String) {
        switch RequestPath.normalise(target) {
        case .unchanged:
            if target != "*" { requireCanonical(target, "\(target.debugDescription) was left unchanged") }
        case .normalised(let canonical):
            requireCanonical(canonical, "\(target.debugDescription) was normalised to \(canonical.debugDescription)")
            let again = RequestPath.normalise(canonical)
            Property.require(
                again == .unchanged, "\(target.debugDescription) normalised to \(canonical.debugDescription), which normalises to \(again)")
        case .refused(let reason):
            Property.require(!reason.isEmpty, "\(target.debugDescription) was refused without a reason")
        }
    }

    /// Checked on bytes, not characters: a combining mark after a '/' must not hide a '//'.
    private static func requireCanonical(_ target: String, _ context: @autoclosure () -> String) {
        let path = Array(target.utf8.prefix { $0 != UInt8(ascii: "?") })
        Property.require(path.first == UInt8(ascii: "/"), "\(context()): the path does not begin with '/'")
        for spelling in ["//", "/./", "/../"] {
            Property.require(!path.holds(Array(spelling.utf8)), "\(context()): the path holds \(spelling)")
        }
        for ending in ["/.", "/.."] {
            Property.require(!path.ends(with: Array(ending.utf8)), "\(context()): the path ends with \(ending)")
        }
        Property.require(path.count == 1 || path.last != UInt8(ascii: "/"), "\(context()): the path ends with '/'")
    }
}

extension [UInt8] {
    fileprivate func holds(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix) }
}
