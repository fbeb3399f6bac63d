import KeelCore

/// `type`, `const`, `enum`, and the keywords for numbers and strings.
extension SchemaCompiler {
    func valueKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let type = reader["type"] {
            keywords.append(.type(try types(type, reader)))
        }
        if let constant = reader["const"] {
            keywords.append(.constant(SchemaKeyword.ExpectedValue(constant)))
        }
        if let values = try reader.array("enum") {
            keywords.append(.enumeration(values.map(SchemaKeyword.ExpectedValue.init)))
        }
        return keywords
    }

    private func types(_ operand: JSONValue, _ reader: SchemaKeywordReader) throws(JSONSchemaError) -> JSONSchemaTypes {
        let names: [String]
        switch operand {
        case .string(let name): names = [name]
        case .array(let array) where !array.isEmpty:
            guard let strings = SchemaKeywordReader.strings(array) else {
                throw reader.failure("type", "must be a type name or an array of type names")
            }
            names = strings
        default:
            throw reader.failure("type", "must be a type name or a non-empty array of type names")
        }
        var types: JSONSchemaTypes = []
        for name in names {
            guard let type = JSONSchemaTypes(name: name) else { throw reader.failure("type", "names an unknown type '\(name)'") }
            types.insert(type)
        }
        return types
    }

    func numberKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        keywords += try bounds(reader, inclusive: "minimum", exclusive: "exclusiveMinimum", kinds: (.minimum, .exclusiveMinimum))
        keywords += try bounds(reader, inclusive: "maximum", exclusive: "exclusiveMaximum", kinds: (.maximum, .exclusiveMaximum))
        if let step = try reader.number("multipleOf") {
            guard step.isPositive else { throw reader.failure("multipleOf", "must be greater than 0") }
            keywords.append(.multipleOf(step))
        }
        return keywords
    }

    /// Draft-04 spelled an exclusive bound as `"minimum": 5, "exclusiveMinimum": true`; later
    /// drafts as `"exclusiveMinimum": 5`.
    private func bounds(
        _ reader: SchemaKeywordReader, inclusive: String, exclusive: String,
        kinds: (SchemaKeyword.NumericBound.Kind, SchemaKeyword.NumericBound.Kind)
    ) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        let exclusiveFlag: Bool? = if case .bool(let flag) = reader[exclusive] { flag } else { nil }
        if let limit = try reader.number(inclusive) {
            keywords.append(.bound(SchemaKeyword.NumericBound(kind: exclusiveFlag == true ? kinds.1 : kinds.0, limit: limit)))
        }
        if exclusiveFlag == nil, let limit = try reader.number(exclusive) {
            keywords.append(.bound(SchemaKeyword.NumericBound(kind: kinds.1, limit: limit)))
        }
        return keywords
    }

    func stringKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        let length = try reader.countRange(minimum: "minLength", maximum: "maxLength")
        if !length.isEmpty {
            keywords.append(.length(length))
        }
        if let pattern = try reader.string("pattern") {
            keywords.append(.pattern(try SchemaRegex(pattern, at: reader.location(of: "pattern"))))
        }
        return keywords
    }
}
