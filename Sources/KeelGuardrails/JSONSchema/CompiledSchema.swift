import KeelCore

/// A schema after compilation: every subschema is a node in one array, and subschemas refer to
/// each other by index, so `$ref` cycles need no mutable references.
struct CompiledSchema: Sendable {
    let nodes: [SchemaNode]
    let root: SchemaNodeID

    subscript(id: SchemaNodeID) -> SchemaNode { nodes[id.index] }
}

/// The position of a node in `CompiledSchema.nodes`; only the compiler makes them.
struct SchemaNodeID: Hashable, Sendable {
    let index: Int
}

/// One subschema: the keywords it checks, in the order their violations are reported.
struct SchemaNode: Sendable {
    static let anything = SchemaNode(keywords: [])
    static let nothing = SchemaNode(keywords: [.nothing])

    /// OpenAPI's `nullable: true`: null passes before any keyword is looked at.
    let acceptsNull: Bool
    let keywords: [SchemaKeyword]

    init(acceptsNull: Bool = false, keywords: [SchemaKeyword]) {
        self.acceptsNull = acceptsNull
        self.keywords = keywords
    }

    /// The `false` schema, which deserves a clearer message where it forbids extra properties or items.
    var rejectsEverything: Bool {
        guard keywords.count == 1, case .nothing = keywords[0] else { return false }
        return !acceptsNull
    }
}
