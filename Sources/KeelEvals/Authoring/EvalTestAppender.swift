import Foundation
import KeelCore

/// Appends a test to a suite (`keel eval add`): as a line of the suite's JSONL tests file when it
/// names one, else as an item at the end of its `tests:` list, written as a one-line flow
/// mapping so that the rest of the file, comments included, stays as it was.
public enum EvalTestAppender {
    /// Where the test went: the file written.
    public static func append(_ test: JSONObject, toSuiteAt path: String) throws(EvalSuiteError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalSuiteError(file: path, line: nil, message: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        if let jsonl = jsonlFile(in: text) {
            let directory = (path as NSString).deletingLastPathComponent
            let target = jsonl.hasPrefix("/") || directory.isEmpty ? jsonl : directory + "/" + jsonl
            try appendLine(JSONValue.object(test).encodedString(), to: target)
            return target
        }
        let updated = try appending(test, toSuiteText: text, file: path)
        do {
            try updated.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw EvalSuiteError(file: path, line: nil, message: "cannot write the file (\(error.localizedDescription))")
        }
        return path
    }

    /// The suite's text with `test` as the last item of its top-level `tests:` block list.
    public static func appending(_ test: JSONObject, toSuiteText text: String, file: String) throws(EvalSuiteError) -> String {
        var lines = text.components(separatedBy: "\n")
        guard let header = lines.firstIndex(where: { $0.hasPrefix("tests:") }) else {
            return text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n") + "tests:\n  - \(JSONValue.object(test).encodedString())\n"
        }
        let rest = lines[header].dropFirst("tests:".count).trimmingCharacters(in: .whitespaces)
        guard rest.isEmpty || rest.hasPrefix("#") else {
            throw EvalSuiteError(
                file: file, line: header + 1, message: "'tests:' is written inline; make it a block list (one '- ' item a line) to add tests to it")
        }
        var indent: String?
        var last = header
        var index = header + 1
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                index += 1
                continue
            }
            let leading = String(line.prefix { $0 == " " })
            if indent == nil, trimmed.hasPrefix("- ") || trimmed == "-" { indent = leading }
            guard let itemIndent = indent, leading.count > itemIndent.count || (leading == itemIndent && (trimmed.hasPrefix("-"))) else { break }
            last = index
            index += 1
        }
        lines.insert("\(indent ?? "  ")- \(JSONValue.object(test).encodedString())", at: last + 1)
        return lines.joined(separator: "\n")
    }

    /// The first `file: NAME.jsonl` item of the suite's tests.
    static func jsonlFile(in text: String) -> String? {
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("- file:") || trimmed.hasPrefix("- {file:") else { continue }
            var name = trimmed.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: CharacterSet(charactersIn: " }\"'"))
            if let comment = name.range(of: " #") {
                name = String(name[..<comment.lowerBound]).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            }
            if name.hasSuffix(".jsonl") { return name }
        }
        return nil
    }

    private static func appendLine(_ line: String, to path: String) throws(EvalSuiteError) {
        let existing = FileManager.default.contents(atPath: path) ?? Data()
        var content = existing
        if let lastByte = existing.last, lastByte != UInt8(ascii: "\n") { content.append(UInt8(ascii: "\n")) }
        content.append(Data((line + "\n").utf8))
        guard FileManager.default.createFile(atPath: path, contents: content) else {
            throw EvalSuiteError(file: path, line: nil, message: "cannot write the file")
        }
    }

    /// A test made from a production trace: its prompt variables (or its messages, for a model
    /// suite), the corrected answer (else the answer it got) as the `factuality` reference, and
    /// where it came from in `metadata`.
    public static func test(
        fromTrace traceID: String, variables: JSONObject?, messages: [JSONValue], answer: String?, expected: String?, promptSuite: Bool
    ) -> JSONObject {
        var test: JSONObject = ["description": .string("from trace \(traceID)")]
        if promptSuite {
            test["vars"] = .object(variables ?? [:])
        } else {
            test["messages"] = .array(messages)
        }
        if let reference = expected ?? answer, !reference.isEmpty {
            test["assert"] = [["type": "factuality", "value": .string(reference)]]
        }
        test["metadata"] = ["trace_id": .string(traceID), "corrected": .bool(expected != nil)]
        return test
    }
}
