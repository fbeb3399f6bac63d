/// Incremental parser of a `text/event-stream` (the WHATWG rules: `\n`, `\r\n` or `\r` line
/// ends, `:` comments, multi-line `data`). Feed it bytes as they arrive. A line is found with
/// one scan and its value made a string once; a line split across reads waits in `partial`.
public struct ServerSentEventParser: Sendable {
    private var partial: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var id: String?
    private var sawCarriageReturn = false

    public init() {}

    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [ServerSentEvent] where Bytes.Element == UInt8 {
        var events: [ServerSentEvent] = []
        let fed: Void? = bytes.withContiguousStorageIfAvailable { feed($0, into: &events) }
        if fed == nil { Array(bytes).withUnsafeBufferPointer { feed($0, into: &events) } }
        return events
    }

    private mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, into events: inout [ServerSentEvent]) {
        // An empty read says nothing about a pending `\r`: its `\n` may still come in the next.
        guard !bytes.isEmpty else { return }
        var start = 0
        if sawCarriageReturn, bytes.first == UInt8(ascii: "\n") { start = 1 }
        sawCarriageReturn = false
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
                partial.append(contentsOf: bytes[start...])
                return
            }
            let event: ServerSentEvent?
            if partial.isEmpty {
                event = endLine(UnsafeBufferPointer(rebasing: bytes[start..<end]))
            } else {
                partial.append(contentsOf: bytes[start..<end])
                event = partial.withUnsafeBufferPointer { endLine($0) }
                partial.removeAll(keepingCapacity: true)
            }
            if let event { events.append(event) }
            start = end + 1
            if bytes[end] == UInt8(ascii: "\r") {
                if start == bytes.count {
                    sawCarriageReturn = true  // its `\n`, if any, comes in the next read
                } else if bytes[start] == UInt8(ascii: "\n") {
                    start += 1
                }
            }
        }
    }

    /// Whatever event is pending when the stream ends without its final blank line.
    public mutating func finish() -> ServerSentEvent? {
        if !partial.isEmpty {
            _ = partial.withUnsafeBufferPointer { endLine($0) }
            partial.removeAll()
        }
        return dispatch()
    }

    private mutating func endLine(_ line: UnsafeBufferPointer<UInt8>) -> ServerSentEvent? {
        guard let first = line.first else { return dispatch() }
        if first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = UnsafeBufferPointer(rebasing: line[..<colon])
        let value = { String(decoding: UnsafeBufferPointer(rebasing: line[valueStart...]), as: UTF8.self) }
        if field.elementsEqual("data".utf8) {
            data.append(value())
        } else if field.elementsEqual("event".utf8) {
            event = value()
        } else if field.elementsEqual("id".utf8) {
            id = value()
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            event = nil
            data.removeAll(keepingCapacity: true)
        }
        guard !data.isEmpty || event != nil else { return nil }
        return ServerSentEvent(event: event, data: data.count == 1 ? data[0] : data.joined(separator: "\n"), id: id)
    }
}
