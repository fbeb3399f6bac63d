import KeelCore

/// The keywords that apply other schemas to the same value: `$ref`, `allOf`, `anyOf`, `oneOf`,
/// `not`, `if`/`then`/`else`.
extension SchemaCompiler {
    mutating func applicatorKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let target = try reader.string("$ref") {
            keywords.append(.reference(try reference(target, at: reader.location(of: "$ref"))))
        }
        if let schemas = try subschemaList(reader, "allOf") {
            keywords.append(.allOf(schemas))
        }
        if let schemas = try subschemaList(reader, "anyOf") {
            keywords.append(.anyOf(schemas))
        }
        if let schemas = try subschemaList(reader, "oneOf") {
            keywords.append(.oneOf(schemas))
        }
        if let schema = try subschema(reader, "not") {
            keywords.append(.not(schema))
        }
        if let condition = try subschema(reader, "if") {
            let then = try subschema(reader, "then")
            let otherwise = try subschema(reader, "else")
            if then != nil || otherwise != nil {
                keywords.append(.conditional(SchemaKeyword.Conditional(condition: condition, then: then, otherwise: otherwise)))
            }
        }
        return keywords
    }
}
