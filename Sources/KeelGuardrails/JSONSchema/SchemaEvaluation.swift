import KeelCore

/// One `validate` call: walks the value and the compiled schema together, collecting violations.
struct SchemaEvaluation {
    /// Nested subschema evaluations before giving up: deep enough for realistic answers (a
    /// recursive tree costs about three per level), shallow enough for any thread's stack.
    static let maximumDepth = 128

    let schema: CompiledSchema
    private var violationLimit: Int
    private var violations: [SchemaViolation] = []
    private var path = InstancePath()
    private var depth = 0
    private var evaluations = 0
    /// The nodes being evaluated against the current value, reset on descending into a child:
    /// meeting one of them again means the schema loops without making progress.
    private var nodesOnCurrentValue: [SchemaNodeID] = []
    /// Why the evaluation gave up, if it did; the value then counts as invalid.
    private var abandonment: SchemaViolation?

    private let evaluationBudget: Int

    init(schema: CompiledSchema, violationLimit: Int, evaluationBudget: Int) {
        self.schema = schema
        self.violationLimit = violationLimit
        self.evaluationBudget = evaluationBudget
    }

    var result: [SchemaViolation] {
        guard let abandonment else { return violations }
        return violations.prefix(violationLimit - 1) + [abandonment]
    }

    var isFinished: Bool { abandonment != nil || violations.count >= violationLimit }

    var isAbandoned: Bool { abandonment != nil }

    var renderedPath: String { path.rendered }

    mutating func evaluate(_ id: SchemaNodeID, _ instance: JSONValue) {
        guard !isFinished else { return }
        guard !nodesOnCurrentValue.contains(id) else {
            return abandon("the schema loops: a $ref cycle comes back to the same subschema without descending into the value")
        }
        evaluations += 1
        guard evaluations <= evaluationBudget else {
            return abandon("validation stopped after \(evaluationBudget) subschema evaluations")
        }
        guard depth < Self.maximumDepth else {
            return abandon("validation stopped: subschemas nest deeper than \(Self.maximumDepth) levels here")
        }
        depth += 1
        nodesOnCurrentValue.append(id)
        defer {
            nodesOnCurrentValue.removeLast()
            depth -= 1
        }
        let node = schema[id]
        if node.acceptsNull, case .null = instance { return }
        for keyword in node.keywords where !isFinished {
            check(keyword, instance)
        }
    }

    /// Evaluates a child of the current value (a property or an item) against `id`.
    mutating func descend(into component: InstancePath.Component, _ id: SchemaNodeID, _ child: JSONValue) {
        path.append(component)
        evaluate(id, another: child)
        path.removeLast()
    }

    /// Evaluates a value other than the current one (a child, or a property name): the loop
    /// check starts over, as a schema may rightly come back to itself for it.
    private mutating func evaluate(_ id: SchemaNodeID, another value: JSONValue) {
        let nodesOnPreviousValue = nodesOnCurrentValue
        nodesOnCurrentValue = []
        evaluate(id, value)
        nodesOnCurrentValue = nodesOnPreviousValue
    }

    /// Evaluates without reporting, as `anyOf` and `not` need: the first `limit` violations
    /// found, empty when the value matches.
    mutating func trial(_ id: SchemaNodeID, _ instance: JSONValue, limit: Int = 1) -> [SchemaViolation] {
        unreported(limit: limit) { $0.evaluate(id, instance) }
    }

    /// `trial` for a child of the current value.
    mutating func trial(child component: InstancePath.Component, _ id: SchemaNodeID, _ child: JSONValue) -> [SchemaViolation] {
        unreported(limit: 1) { $0.descend(into: component, id, child) }
    }

    /// `trial` for one of the current object's property names, reported at the object.
    mutating func trial(propertyName name: String, _ id: SchemaNodeID) -> [SchemaViolation] {
        unreported(limit: 1) { $0.evaluate(id, another: .string(name)) }
    }

    private mutating func unreported(limit: Int, _ body: (inout SchemaEvaluation) -> Void) -> [SchemaViolation] {
        let reported = violations
        let reportedLimit = violationLimit
        violations = []
        violationLimit = limit
        body(&self)
        let found = violations
        violations = reported
        violationLimit = reportedLimit
        return found
    }

    /// Records a violation at the current path; the same one twice (two subschemas can make the
    /// same point) is recorded once.
    mutating func report(_ message: String) {
        guard violations.count < violationLimit else { return }
        let violation = SchemaViolation(path: path.rendered, message: message)
        guard !violations.contains(violation) else { return }
        violations.append(violation)
    }

    private mutating func abandon(_ reason: String) {
        abandonment = SchemaViolation(path: path.rendered, message: reason)
    }

    private mutating func check(_ keyword: SchemaKeyword, _ instance: JSONValue) {
        switch keyword {
        case .nothing: report("no value is allowed here")
        case .type(let types): checkType(types, instance)
        case .constant(let expected): checkConstant(expected, instance)
        case .enumeration(let values): checkEnumeration(values, instance)
        case .bound(let bound): checkBound(bound, instance)
        case .multipleOf(let step): checkMultipleOf(step, instance)
        case .length(let range): checkLength(range, instance)
        case .pattern(let regex): checkPattern(regex, instance)
        case .properties(let rules): checkProperties(rules, instance)
        case .required(let names): checkRequired(names, instance)
        case .propertyCount(let range): checkPropertyCount(range, instance)
        case .propertyNames(let id): checkPropertyNames(id, instance)
        case .dependentRequired(let dependencies): checkDependentRequired(dependencies, instance)
        case .dependentSchemas(let dependencies): checkDependentSchemas(dependencies, instance)
        case .items(let rules): checkItems(rules, instance)
        case .itemCount(let range): checkItemCount(range, instance)
        case .uniqueItems: checkUniqueItems(instance)
        case .contains(let rule): checkContains(rule, instance)
        case .reference(let id): evaluate(id, instance)
        case .allOf(let ids): for id in ids { evaluate(id, instance) }
        case .anyOf(let ids): checkAnyOf(ids, instance)
        case .oneOf(let ids): checkOneOf(ids, instance)
        case .not(let id): checkNot(id, instance)
        case .conditional(let conditional): checkConditional(conditional, instance)
        }
    }
}
