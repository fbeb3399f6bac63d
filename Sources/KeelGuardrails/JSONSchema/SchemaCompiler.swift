import KeelCore

/// Turns a schema document into a `CompiledSchema`. Each location is compiled once; a `$ref`
/// reserves its target's node and the target is compiled after the walk, so a long chain of
/// references does not deepen the recursion.
struct SchemaCompiler {
    private let document: JSONValue
    private var nodes: [SchemaNode?] = []
    private var ids: [SchemaPointer: SchemaNodeID] = [:]
    private var referenceTargets: [SchemaPointer] = []

    private init(document: JSONValue) {
        self.document = document
    }

    static func compile(_ document: JSONValue) throws(JSONSchemaError) -> CompiledSchema {
        var compiler = SchemaCompiler(document: document)
        let root = try compiler.compile(document, at: .root)
        try compiler.compileReferenceTargets()
        // Every reserved node is compiled by now; `nothing` would keep a slip here failing closed.
        return CompiledSchema(nodes: compiler.nodes.map { $0 ?? .nothing }, root: root)
    }

    mutating func compile(_ schema: JSONValue, at location: SchemaPointer) throws(JSONSchemaError) -> SchemaNodeID {
        let id = reserve(location)
        if nodes[id.index] == nil {
            nodes[id.index] = try node(for: schema, at: location)
        }
        return id
    }

    /// The node a `$ref` at `location` points to, compiled later if it is not yet.
    mutating func reference(_ reference: String, at location: SchemaPointer) throws(JSONSchemaError) -> SchemaNodeID {
        let target = try SchemaReference.target(of: reference, at: location)
        if let id = ids[target] { return id }
        guard target.resolve(in: document) != nil else {
            throw JSONSchemaError("unresolvable reference '\(reference)': the schema has nothing at \(target)", at: location)
        }
        referenceTargets.append(target)
        return reserve(target)
    }

    private mutating func reserve(_ location: SchemaPointer) -> SchemaNodeID {
        if let id = ids[location] { return id }
        let id = SchemaNodeID(index: nodes.count)
        nodes.append(nil)
        ids[location] = id
        return id
    }

    private mutating func compileReferenceTargets() throws(JSONSchemaError) {
        while let target = referenceTargets.popLast() {
            // `reference` checked that the target exists.
            guard let schema = target.resolve(in: document) else { continue }
            _ = try compile(schema, at: target)
        }
    }

    private mutating func node(for schema: JSONValue, at location: SchemaPointer) throws(JSONSchemaError) -> SchemaNode {
        switch schema {
        case .bool(true):
            return .anything
        case .bool(false):
            return .nothing
        case .object(let object):
            let reader = SchemaKeywordReader(object: object, location: location)
            try refuseUnsupportedKeywords(reader)
            try compileDefinitions(reader)
            var keywords: [SchemaKeyword] = []
            keywords += try valueKeywords(reader)
            keywords += try numberKeywords(reader)
            keywords += try stringKeywords(reader)
            keywords += try objectKeywords(reader)
            keywords += try arrayKeywords(reader)
            keywords += try applicatorKeywords(reader)
            return SchemaNode(acceptsNull: reader["nullable"] == .bool(true), keywords: keywords)
        default:
            throw JSONSchemaError("a schema must be an object or a boolean, got \(schema.typeName)", at: location)
        }
    }

    /// Keywords whose meaning Keel does not implement; ignoring them would accept answers the
    /// schema's author meant to reject.
    private func refuseUnsupportedKeywords(_ reader: SchemaKeywordReader) throws(JSONSchemaError) {
        for keyword in ["unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"] {
            guard let value = reader[keyword], value != .bool(true) else { continue }
            throw reader.failure(keyword, "is not supported")
        }
    }

    /// Compiled even when nothing refers to them, so that a broken definition is reported up front.
    private mutating func compileDefinitions(_ reader: SchemaKeywordReader) throws(JSONSchemaError) {
        for keyword in ["$defs", "definitions"] {
            _ = try subschemaMap(reader, keyword)
        }
    }

    // MARK: Subschema operands

    mutating func subschema(_ reader: SchemaKeywordReader, _ keyword: String) throws(JSONSchemaError) -> SchemaNodeID? {
        guard let schema = reader[keyword] else { return nil }
        return try compile(schema, at: reader.location(of: keyword))
    }

    /// `allOf` and its kind: a non-empty array of schemas.
    mutating func subschemaList(_ reader: SchemaKeywordReader, _ keyword: String) throws(JSONSchemaError) -> [SchemaNodeID]? {
        guard let schemas = try reader.array(keyword) else { return nil }
        guard !schemas.isEmpty else { throw reader.failure(keyword, "must not be empty") }
        return try compile(schemas, at: reader.location(of: keyword))
    }

    mutating func compile(_ schemas: [JSONValue], at location: SchemaPointer) throws(JSONSchemaError) -> [SchemaNodeID] {
        var ids: [SchemaNodeID] = []
        for (index, schema) in schemas.enumerated() {
            ids.append(try compile(schema, at: location.appending(index)))
        }
        return ids
    }

    /// `properties` and its kind: an object whose values are schemas.
    mutating func subschemaMap(_ reader: SchemaKeywordReader, _ keyword: String) throws(JSONSchemaError) -> [String: SchemaNodeID]? {
        guard let members = try reader.object(keyword) else { return nil }
        var ids: [String: SchemaNodeID] = [:]
        for (name, schema) in members {
            ids[name] = try compile(schema, at: reader.location(of: keyword).appending(name))
        }
        return ids
    }
}
