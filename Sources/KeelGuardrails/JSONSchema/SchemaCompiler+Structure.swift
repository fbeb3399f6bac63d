import KeelCore

/// The keywords for objects and arrays.
extension SchemaCompiler {
    mutating func objectKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        if let rules = try propertyRules(reader) {
            keywords.append(.properties(rules))
        }
        if let required = try reader.strings("required") {
            keywords.append(.required(required))
        }
        let count = try reader.countRange(minimum: "minProperties", maximum: "maxProperties")
        if !count.isEmpty {
            keywords.append(.propertyCount(count))
        }
        if let names = try subschema(reader, "propertyNames") {
            keywords.append(.propertyNames(names))
        }
        keywords += try dependencies(reader)
        return keywords
    }

    private mutating func propertyRules(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> SchemaKeyword.PropertyRules? {
        guard reader["properties"] != nil || reader["patternProperties"] != nil || reader["additionalProperties"] != nil else {
            return nil
        }
        var rules = SchemaKeyword.PropertyRules()
        rules.named = try subschemaMap(reader, "properties") ?? [:]
        for (pattern, schema) in try reader.object("patternProperties") ?? [] {
            let location = reader.location(of: "patternProperties").appending(pattern)
            rules.patterns.append((try SchemaRegex(pattern, at: location), try compile(schema, at: location)))
        }
        rules.additional = try subschema(reader, "additionalProperties")
        return rules
    }

    /// `dependentRequired` (arrays of names), `dependentSchemas` (schemas), and draft-07's
    /// `dependencies`, which takes either.
    private mutating func dependencies(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        for keyword in ["dependentRequired", "dependentSchemas", "dependencies"] {
            var required: [String: [String]] = [:]
            var schemas: [String: SchemaNodeID] = [:]
            for (name, operand) in try reader.object(keyword) ?? [] {
                let location = reader.location(of: keyword).appending(name)
                if keyword != "dependentSchemas", case .array(let array) = operand {
                    guard let names = SchemaKeywordReader.strings(array) else {
                        throw JSONSchemaError("must be an array of strings", at: location)
                    }
                    required[name] = names
                } else if keyword != "dependentRequired" {
                    schemas[name] = try compile(operand, at: location)
                } else {
                    throw JSONSchemaError("must be an array of strings", at: location)
                }
            }
            if !required.isEmpty { keywords.append(.dependentRequired(required)) }
            if !schemas.isEmpty { keywords.append(.dependentSchemas(schemas)) }
        }
        return keywords
    }

    mutating func arrayKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> [SchemaKeyword] {
        var keywords: [SchemaKeyword] = []
        let items = try itemRules(reader)
        if !items.prefix.isEmpty || items.rest != nil {
            keywords.append(.items(items))
        }
        let count = try reader.countRange(minimum: "minItems", maximum: "maxItems")
        if !count.isEmpty {
            keywords.append(.itemCount(count))
        }
        if try reader.bool("uniqueItems") == true {
            keywords.append(.uniqueItems)
        }
        if let contains = try subschema(reader, "contains") {
            let minimum = try reader.count("minContains") ?? 1
            let maximum = try reader.count("maxContains")
            keywords.append(.contains(SchemaKeyword.ContainsRule(schema: contains, minimum: minimum, maximum: maximum)))
        }
        return keywords
    }

    /// 2020-12: `prefixItems` then `items` for the rest. Draft-07: an `items` array for the
    /// first items, then `additionalItems`.
    private mutating func itemRules(_ reader: SchemaKeywordReader) throws(JSONSchemaError) -> SchemaKeyword.ItemRules {
        var rules = SchemaKeyword.ItemRules()
        if case .array(let tuple) = reader["items"] {
            rules.prefix = try compile(tuple, at: reader.location(of: "items"))
            rules.rest = try subschema(reader, "additionalItems")
        } else {
            if let prefix = try reader.array("prefixItems") {
                rules.prefix = try compile(prefix, at: reader.location(of: "prefixItems"))
            }
            rules.rest = try subschema(reader, "items")
        }
        return rules
    }
}
