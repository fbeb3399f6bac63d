import HTTPTypes

extension HTTPField.Name {
    static let keelTraceID = HTTPField.Name("x-keel-trace-id")!
    static let keelProvider = HTTPField.Name("x-keel-provider")!
    static let keelUpstreamModel = HTTPField.Name("x-keel-upstream-model")!
    static let keelCache = HTTPField.Name("x-keel-cache")!
}

extension HTTPFields {
    /// Header names lower-cased, the last value winning.
    var lowercasedDictionary: [String: String] {
        var result: [String: String] = [:]
        for field in self { result[field.name.canonicalName] = field.value }
        return result
    }
}
