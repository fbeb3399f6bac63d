import KeelCore

/// A keyword, or a group of keywords that only make sense together, with its operands compiled.
enum SchemaKeyword: Sendable {
    /// The `false` schema.
    case nothing
    case type(JSONSchemaTypes)
    case constant(ExpectedValue)
    case enumeration([ExpectedValue])
    case bound(NumericBound)
    case multipleOf(SchemaNumber)
    /// `minLength` / `maxLength`, in Unicode code points.
    case length(CountRange)
    case pattern(SchemaRegex)
    /// `properties`, `patternProperties` and `additionalProperties`.
    case properties(PropertyRules)
    case required([String])
    case propertyCount(CountRange)
    case propertyNames(SchemaNodeID)
    case dependentRequired([String: [String]])
    case dependentSchemas([String: SchemaNodeID])
    /// `prefixItems` and `items` (or draft-07 tuple `items` and `additionalItems`).
    case items(ItemRules)
    case itemCount(CountRange)
    case uniqueItems
    case contains(ContainsRule)
    case reference(SchemaNodeID)
    case allOf([SchemaNodeID])
    case anyOf([SchemaNodeID])
    case oneOf([SchemaNodeID])
    case not(SchemaNodeID)
    case conditional(Conditional)
}

/// The operands of keywords, compiled.
extension SchemaKeyword {
    /// An `enum` or `const` operand: compared in canonical form, shown as the schema wrote it.
    struct ExpectedValue: Sendable {
        let value: JSONValue
        let canonical: CanonicalJSON

        init(_ value: JSONValue) {
            self.value = value
            canonical = CanonicalJSON(value)
        }
    }

    struct NumericBound: Sendable {
        enum Kind: Sendable { case minimum, exclusiveMinimum, maximum, exclusiveMaximum }

        let kind: Kind
        let limit: SchemaNumber
    }

    struct CountRange: Sendable {
        var minimum: Int?
        var maximum: Int?

        var isEmpty: Bool { minimum == nil && maximum == nil }
    }

    struct PropertyRules: Sendable {
        var named: [String: SchemaNodeID] = [:]
        var patterns: [(regex: SchemaRegex, schema: SchemaNodeID)] = []
        var additional: SchemaNodeID?
    }

    struct ItemRules: Sendable {
        /// Schemas for the first items, by position.
        var prefix: [SchemaNodeID] = []
        /// The schema for every item after the prefix.
        var rest: SchemaNodeID?
    }

    struct ContainsRule: Sendable {
        let schema: SchemaNodeID
        let minimum: Int
        let maximum: Int?
    }

    struct Conditional: Sendable {
        let condition: SchemaNodeID
        let then: SchemaNodeID?
        let otherwise: SchemaNodeID?
    }
}
