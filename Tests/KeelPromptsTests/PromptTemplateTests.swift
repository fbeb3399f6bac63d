import KeelCore
import Testing

@testable import KeelPrompts

struct PromptTemplateTests {
    @Test(arguments: [
        ("Hi {{name}}!", "Hi Ada!"),
        ("Hi {{ name }} and {{\tname\t}}", "Hi Ada and Ada"),
        ("\\{{name}} is literal", "{{name}} is literal"),
        ("a \\\\{{name}}", "a \\Ada"),
        ("a \\ b }} c", "a \\ b }} c"),
        ("{{name}}{{name}}", "AdaAda"),
        ("", ""),
    ])
    func renders(template: String, expected: String) throws {
        #expect(try PromptTemplate(parsing: template).render(["name": "Ada"]) == expected)
    }

    static let values: [(JSONValue, String)] = [
        (JSONValue.string("<b>&\"quoted\"</b>"), "<b>&\"quoted\"</b>"),
        (.int(42), "42"),
        (.double(0.5), "0.5"),
        (.bool(true), "true"),
        (.null, "null"),
        (["a", 1], #"["a",1]"#),
        (["k": ["n": 1]], #"{"k":{"n":1}}"#),
    ]

    @Test(arguments: values)
    func insertsValuesVerbatimOrAsCompactJSON(value: JSONValue, expected: String) throws {
        #expect(try PromptTemplate(parsing: "[{{v}}]").render(["v": value]) == "[\(expected)]")
    }

    @Test func knowsItsVariablesAndTheirLines() throws {
        let template = try PromptTemplate(parsing: "{{a}}\nline\n{{ b }} \\{{c}}")
        #expect(template.usages == [.init(name: "a", lineOffset: 0), .init(name: "b", lineOffset: 2)])
        #expect(template.constantText == nil)
        #expect(try PromptTemplate(parsing: "plain \\{{x}}").constantText == "plain {{x}}")
    }

    @Test(arguments: ["{{", "{{x", "{{x}", "{{x\n}}", "{{1x}}", "{{a b}}", "{{}}", "{{a.b}}"])
    func refusesBrokenPlaceholders(template: String) {
        #expect(throws: PromptTemplate.SyntaxError.self) { try PromptTemplate(parsing: template) }
    }

    static let typedValues: [(PromptVariableType, JSONValue, Bool)] = [
        (PromptVariableType.string, JSONValue.string("x"), true), (.string, .int(1), false),
        (.number, .double(1.5), true), (.number, .int(1), true), (.number, .string("1"), false),
        (.integer, .int(3), true), (.integer, .double(3.0), true), (.integer, .double(3.5), false),
        (.boolean, .bool(false), true), (.boolean, .string("true"), false),
        (.array, [1], true), (.array, ["a": 1], false), (.object, ["a": 1], true), (.object, .null, false),
        (.any, .null, true), (.any, ["a": 1], true),
    ]

    @Test(arguments: typedValues)
    func variableTypesAcceptTheirValues(type: PromptVariableType, value: JSONValue, accepted: Bool) {
        #expect(type.accepts(value) == accepted)
    }
}
