import FuzzSupport
import KeelCore

/// ServerSentEventParser on any stream, read whole, byte by byte, and in the reads the input's
/// ChunkPlan chooses: the same events every time, the one left at the end of the stream included.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let plan = ChunkPlan(UnsafeRawBufferPointer(start: start, count: count))
    let whole = events(reading: [plan.payload[...]])
    let planned = events(reading: plan.chunks)
    Property.require(planned == whole, "reads of \(plan.chunks.map(\.count)) bytes gave \(planned), one read gave \(whole)")
    if plan.payload.count <= 512 {
        let bytewise = events(reading: plan.payload.map { [$0][...] })
        Property.require(bytewise == whole, "byte by byte gave \(bytewise), one read gave \(whole)")
    }
    return 0
}

private func events(reading chunks: [ArraySlice<UInt8>]) -> [ServerSentEvent] {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for chunk in chunks { events += parser.feed(chunk) }
    if let last = parser.finish() { events.append(last) }
    return events
}
