import Yams

/// What is wrong with a text that should be YAML, and on which line when the parser says.
public struct YAMLProblem: Error, Sendable, Equatable {
    public var line: Int?
    public var message: String

    public init(line: Int?, message: String) {
        self.line = line
        self.message = message
    }
}

/// A YAML text composed into its node tree, each node with its place in the text: the prompt
/// files and the eval suites read theirs this way, so that their errors name a line.
public enum YAMLDocument {
    public static func compose(_ yaml: String) throws(YAMLProblem) -> Node {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw problem(error)
        } catch {
            throw YAMLProblem(line: nil, message: "invalid YAML: \(error)")
        }
        guard let composed else { throw YAMLProblem(line: nil, message: "the file is empty") }
        return composed
    }

    private static func problem(_ error: YamlError) -> YAMLProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return YAMLProblem(line: mark.line, message: "invalid YAML: \(context?.description ?? "")\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return YAMLProblem(line: context.mark.line, message: "\(keys) given twice in one mapping")
        default:
            return YAMLProblem(line: nil, message: "invalid YAML: \(error)")
        }
    }
}
