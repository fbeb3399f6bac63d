/// An input read as a plan for splitting the rest of it into reads, so that the fuzzer itself
/// chooses where the reads break: the first byte's low four bits say how many chunk lengths
/// follow (one byte each, 0 allowed, for an empty read); the remaining bytes are the payload,
/// cut at those lengths in turn, with whatever is left as the last read.
public struct ChunkPlan {
    public let payload: [UInt8]
    public let chunks: [ArraySlice<UInt8>]

    public init(_ input: UnsafeRawBufferPointer) {
        let count = Int(input.first ?? 0) & 0x0F
        let header = min(input.count, 1 + count)
        let lengths = input.count > 1 ? input[1..<header].map(Int.init) : []
        payload = Array(input[header...])
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        for length in lengths {
            let end = min(start + length, payload.count)
            chunks.append(payload[start..<end])
            start = end
        }
        chunks.append(payload[start...])
        self.chunks = chunks
    }
}
