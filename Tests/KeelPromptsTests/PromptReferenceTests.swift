import KeelCore
import KeelPrompts
import Testing

struct PromptReferenceTests {
    @Test func defaultsToTheProductionLabel() throws {
        let reference = try PromptReference.parse(["id": "support-reply", "variables": ["product": "Keel"]])
        #expect(reference == PromptReference(id: "support-reply", selector: .label("production"), variables: ["product": "Keel"]))
    }

    @Test func readsAVersionOrALabel() throws {
        #expect(try PromptReference.parse(["id": "a", "version": 3]).selector == .version(3))
        #expect(try PromptReference.parse(["id": "a", "version": "4"]).selector == .version(4))
        #expect(try PromptReference.parse(["id": "a", "label": "staging"]).selector == .label("staging"))
    }

    static let wrongReferences: [(JSONValue, String)] = [
        (.string("support-reply"), "prompt"),
        (["variables": [:]], "prompt.id"),
        (["id": "a", "variables": ["x"]], "prompt.variables"),
        (["id": "a", "version": 0], "prompt.version"),
        (["id": "a", "version": 2, "label": "staging"], "prompt.version"),
        (["id": "a", "label": 5], "prompt.label"),
        (["id": "a", "vars": [:]], "prompt.vars"),
    ]

    @Test(arguments: wrongReferences)
    func namesTheFieldThatIsWrong(body: JSONValue, param: String) {
        #expect(throws: KeelError.self) { try PromptReference.parse(body) }
        do {
            _ = try PromptReference.parse(body)
        } catch {
            #expect(error.status == 400)
            #expect(error.param == param)
        }
    }
}
