import Foundation
import KeelCore
import Synchronization

/// Traces as rows of `COPY ... FROM STDIN` text: columns split by tabs, rows by newlines,
/// `\N` for NULL, and backslash, tab, newline and carriage return escaped. One buffer carries a
/// whole batch; PostgreSQL text cannot hold NUL, which becomes U+FFFD.
struct PostgresTraceCopy {
    private(set) var bytes: [UInt8] = []
    private var first = true

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ trace: Trace) {
        startRow()
        text(trace.id)
        text(trace.operation)
        int(StoredTime.micros(trace.startedAt))
        double(trace.latencyMs)
        double(trace.ttftMs)
        text(trace.model)
        text(trace.provider)
        text(trace.upstreamModel)
        text(trace.responseModel)
        text(trace.systemFingerprint)
        text(trace.status)
        int(trace.httpStatus)
        text(trace.errorMessage)
        text(trace.finishReason)
        text(trace.stream ? "t" : "f")
        int(trace.usage.promptTokens)
        int(trace.usage.completionTokens)
        int(trace.usage.cachedTokens)
        int(trace.usage.cacheWriteTokens)
        int(trace.usage.reasoningTokens)
        double(trace.costUSD)
        text(trace.user)
        text(trace.session)
        json(.array(trace.tags.map(JSONValue.string)))
        json(trace.metadata)
        if let requestJSON = trace.requestJSON { text(requestJSON) } else { json(trace.request) }
        json(trace.output)
        json { trace.writeAttemptsJSON(into: &$0) }
        text(trace.storedOTelTraceID)
        text(trace.spanID)
        text(trace.parentSpanID)
        json(trace.guardrails.isEmpty ? nil : .array(trace.guardrails))
        text(trace.apiKey)
        text(trace.apiTeam)
        text(trace.cache)
        double(trace.savedUSD)
        json(trace.routing)
        text(trace.apiKeyID)
        double(trace.cacheSavingsUSD)
        text(trace.prompt?.name)
        int(trace.prompt?.version)
        text(trace.prompt?.label)
        text(trace.promptUseInColumns?.requestedModel)
        json(trace.promptUseInColumns?.variables.map(JSONValue.object))
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func startRow() { first = true }

    private mutating func separate() {
        if first { first = false } else { bytes.append(UInt8(ascii: "\t")) }
    }

    private mutating func null() { bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")]) }

    private mutating func text(_ value: String?) {
        separate()
        guard var value else { return null() }
        value.withUTF8 { escape($0) }
    }

    private mutating func json(_ value: JSONValue?) {
        guard let value else {
            separate()
            return null()
        }
        json { value.encode(into: &$0) }
    }

    private mutating func json(_ write: (inout [UInt8]) -> Void) {
        separate()
        var encoded: [UInt8] = []
        write(&encoded)
        encoded.withUnsafeBufferPointer { escape($0) }
    }

    private mutating func int<Value: BinaryInteger>(_ value: Value?) {
        separate()
        guard let value else { return null() }
        bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func double(_ value: Double?) {
        separate()
        guard let value, value.isFinite else { return null() }
        bytes.append(contentsOf: "\(value)".utf8)
    }

    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: bytes.append(byte)
            }
        }
    }
}

/// The days whose `traces_YYYYMMDD` partition this process knows to exist.
final class TracePartitions: Sendable {
    private let days = Mutex<Set<Int64>>([])

    static let microsPerDay: Int64 = 86_400_000_000

    static func day(_ micros: Int64) -> Int64 { micros >= 0 ? micros / microsPerDay : (micros - microsPerDay + 1) / microsPerDay }

    static func name(day: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(day) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "traces_%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// The days of `days` not known to exist yet.
    func missing(_ days: Set<Int64>) -> Set<Int64> { self.days.withLock { days.subtracting($0) } }

    func created(_ days: Set<Int64>) { self.days.withLock { $0.formUnion(days) } }

    func dropped(_ day: Int64) { _ = days.withLock { $0.remove(day) } }
}
