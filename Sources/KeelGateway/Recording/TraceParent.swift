/// A W3C `traceparent` header: `00-<trace id>-<parent span id>-<flags>`.
struct TraceParent: Equatable {
    let traceID: String
    let parentSpanID: String

    init?(header: String) {
        let parts = header.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "-")
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        traceID = String(parts[1])
        parentSpanID = String(parts[2])
    }
}
