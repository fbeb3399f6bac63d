import HTTPTypes
import NIOHTTP1

/// The headers Keel adds to a gateway answer.
enum KeelHeader {
    static let traceID = "x-keel-trace-id"
    static let provider = "x-keel-provider"
    static let upstreamModel = "x-keel-upstream-model"
    static let cache = "x-keel-cache"
    static let prompt = "x-keel-prompt"
    static let fallback = "x-keel-fallback"
}

extension HTTPFields {
    /// Header names lower-cased, the last value winning.
    var lowercasedDictionary: [String: String] {
        var result: [String: String] = [:]
        for field in self { result[field.name.canonicalName] = field.value }
        return result
    }
}

extension HTTPHeaders {
    /// Sets `name` to `value` alone. NIO's `replaceOrAdd` copies the headers even when there is
    /// nothing to replace; this removes only a value that is there.
    mutating func set(_ name: String, to value: String) {
        if contains(name: name) { remove(name: name) }
        add(name: name, value: value)
    }

    /// Header names lower-cased, the last value winning.
    var lowercasedDictionary: [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(count)
        for (name, value) in self {
            let lowercase = name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ? name.lowercased() : name
            result[lowercase] = value
        }
        return result
    }
}
