import KeelCore
import Testing
import Yams

/// A text that is not YAML is a problem with the line the parser names; a document is its
/// node tree, each node with its place.
@Suite struct YAMLDocumentTests {
    @Test func aDocumentIsItsNodesWithTheirLines() throws {
        let node = try YAMLDocument.compose("name: a\nmessages:\n  - {role: user}\n")
        guard case .mapping(let mapping) = node else {
            Issue.record("not a mapping: \(node)")
            return
        }
        #expect(mapping["name"]?.string == "a")
        #expect(mapping["messages"]?.mark?.line == 3)
    }

    @Test(
        arguments: [
            ("", nil, "the file is empty"),
            ("a: 1\na: 2\n", 1, "'a' given twice in one mapping"),  // placed at its mapping, as Yams says
            ("a: [1, 2\nb: 3\n", 2, "invalid YAML: while parsing a flow sequence"),
            ("a: 'unterminated\n", 2, "invalid YAML: "),
        ] as [(String, Int?, String)])
    func aTextThatIsNotADocumentIsAProblemOnItsLine(yaml: String, line: Int?, message: String) {
        #expect {
            _ = try YAMLDocument.compose(yaml)
        } throws: { error in
            guard let problem = error as? YAMLProblem else { return false }
            return problem.line == line && problem.message.hasPrefix(message)
        }
    }
}
