import Foundation
import KeelCore
import Testing

/// A golden translation pair from `Fixtures/PROVIDER/NAME.json`:
/// `{"description", "kind", "options", "input", "expected", "expected_error"}`.
struct GoldenFixture: CustomTestStringConvertible, Sendable {
    let name: String
    let json: JSONValue

    var testDescription: String { name }
    var kind: String { json["kind"]?.stringValue ?? "" }
    var input: JSONValue { json["input"] ?? .null }
    var expected: JSONValue? { json["expected"] }
    var expectedError: JSONValue? { json["expected_error"] }
    func option(_ key: String) -> JSONValue? { json["options"]?[key] }

    static func all(in provider: String) -> [GoldenFixture] {
        files(in: provider).compactMap { file in
            (try? JSONValue.parse(file.data)).map { GoldenFixture(name: file.name, json: $0) }
        }
    }

    /// The fixture files of `provider` that are not JSON: each one fails `fixturesArePresent`,
    /// instead of dropping out of the tests unseen.
    static func unparsable(in provider: String) -> [String] {
        files(in: provider).filter { (try? JSONValue.parse($0.data)) == nil }.map(\.name)
    }

    private static func files(in provider: String) -> [(name: String, data: Data)] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return [] }
        let directory = root.appendingPathComponent(provider)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { file in
            (String(file.dropLast(5)), FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) ?? Data())
        }
    }
}

extension JSONValue {
    /// Numbers compared by value, so that a fixture's `1.0` equals a translation's `1`.
    var numericallyNormalised: JSONValue {
        switch self {
        case .int(let value): return .double(Double(value))
        case .array(let values): return .array(values.map(\.numericallyNormalised))
        case .object(let object): return .object(object.mapValues(\.numericallyNormalised))
        default: return self
        }
    }
}

func expectSameJSON(_ actual: JSONValue, _ expected: JSONValue, _ fixture: GoldenFixture, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(
        actual.numericallyNormalised == expected.numericallyNormalised,
        "\(fixture.name)\nactual:   \(actual.canonicalString())\nexpected: \(expected.canonicalString())", sourceLocation: sourceLocation)
}
