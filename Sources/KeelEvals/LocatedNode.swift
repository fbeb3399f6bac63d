import KeelCore
import Yams

/// A YAML or JSON value with the line it was written on, so that tests read from a suite's YAML
/// and from a JSONL file are checked by the same code and their errors name a line.
struct LocatedNode {
    struct Entry {
        var key: String
        var keyLine: Int?
        var value: LocatedNode
    }

    indirect enum Kind {
        case scalar(JSONValue)
        case list([LocatedNode])
        case map([Entry])
    }

    var kind: Kind
    var line: Int?

    /// A parsed JSON value, every part of it on `line` (one JSONL line).
    init(json: JSONValue, line: Int?) {
        self.line = line
        switch json {
        case .array(let items): kind = .list(items.map { LocatedNode(json: $0, line: line) })
        case .object(let object):
            kind = .map(object.sorted { $0.key < $1.key }.map { Entry(key: $0.key, keyLine: line, value: LocatedNode(json: $0.value, line: line)) })
        default: kind = .scalar(json)
        }
    }

    init(kind: Kind, line: Int?) {
        self.kind = kind
        self.line = line
    }

    /// The value as JSON.
    var json: JSONValue {
        switch kind {
        case .scalar(let value): return value
        case .list(let items): return .array(items.map(\.json))
        case .map(let entries): return .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        }
    }

    var isNull: Bool {
        if case .scalar(.null) = kind { return true }
        return false
    }
}

/// Composes YAML into `LocatedNode`s, typing plain scalars as YAML does (numbers read by Swift).
struct YAMLReader {
    let file: String
    private let budget = Budget(limit: 200_000)

    init(file: String) { self.file = file }

    func read(_ yaml: String) throws(EvalSuiteError) -> LocatedNode {
        let root: Node
        do throws(YAMLProblem) {
            root = try YAMLDocument.compose(yaml)
        } catch {
            throw EvalSuiteError(file: file, line: error.line, message: error.message)
        }
        return try located(root)
    }

    private func located(_ node: Node) throws(EvalSuiteError) -> LocatedNode {
        let line = node.mark?.line
        guard budget.spend() else { throw EvalSuiteError(file: file, line: line, message: "the file holds more than \(budget.limit) values") }
        switch node {
        case .mapping(let mapping):
            var entries: [LocatedNode.Entry] = []
            for (keyNode, value) in mapping {
                guard case .scalar(let scalar) = keyNode else {
                    throw EvalSuiteError(file: file, line: keyNode.mark?.line, message: "a key must be a string")
                }
                guard !entries.contains(where: { $0.key == scalar.string }) else {
                    throw EvalSuiteError(file: file, line: keyNode.mark?.line, message: "'\(scalar.string)' is given twice")
                }
                entries.append(LocatedNode.Entry(key: scalar.string, keyLine: keyNode.mark?.line, value: try located(value)))
            }
            return LocatedNode(kind: .map(entries), line: line)
        case .sequence(let sequence):
            var items: [LocatedNode] = []
            for element in sequence { items.append(try located(element)) }
            return LocatedNode(kind: .list(items), line: line)
        case .scalar(let scalar):
            return LocatedNode(kind: .scalar(Self.scalarValue(node, scalar)), line: line)
        case .alias:
            throw EvalSuiteError(file: file, line: line, message: "YAML aliases are not supported in eval suites")
        }
    }

    private static func scalarValue(_ node: Node, _ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        switch node.tag.rawValue {
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
        case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
            if let value = Int64(scalar.string) { return .int(value) }
            if let value = Double(scalar.string), value.isFinite { return .double(value) }
            return .string(scalar.string)
        default: return .string(scalar.string)
        }
    }
}

/// How many more values a read may take (YAML aliases could otherwise expand without bound).
private final class Budget {
    let limit: Int
    private var spent = 0

    init(limit: Int) { self.limit = limit }

    func spend() -> Bool {
        spent += 1
        return spent <= limit
    }
}
