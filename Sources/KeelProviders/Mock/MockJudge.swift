import KeelCore

/// The mock provider as a judge (`judge` directive): it reads the `<output>` of a Keel judge
/// prompt and the criterion beside it (`<rubric>`, `<reference>`, `<question>` or `<context>`)
/// and answers the verdict object, its score the share of the criterion's words of four letters
/// or more that the output contains, passing from 0.5. Deterministic, so tests can predict it.
enum MockJudge {
    static let criterionTags = ["rubric", "reference", "question", "context"]

    static func verdict(for judgePrompt: String) -> String {
        guard let output = section("output", in: judgePrompt) else {
            return JSONValue.object(["reason": "no <output> to grade", "pass": false, "score": 0]).encodedString()
        }
        let criterion = criterionTags.lazy.compactMap { section($0, in: judgePrompt) }.first ?? ""
        let wanted = Set(words(criterion))
        let found = Set(words(output)).intersection(wanted)
        let score = wanted.isEmpty ? 0 : Double(found.count) / Double(wanted.count)
        let rounded = (score * 100).rounded() / 100
        let reason = "the output has \(found.count) of the criterion's \(wanted.count) words"
        return JSONValue.object(["reason": .string(reason), "pass": .bool(rounded >= 0.5), "score": .double(rounded)]).encodedString()
    }

    static func section(_ tag: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(tag)>"), let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[start.upperBound..<end.lowerBound])
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 4 }
    }
}
