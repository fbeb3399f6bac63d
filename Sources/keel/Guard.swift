import ArgumentParser
import Foundation
import KeelCore
import KeelGuardrails

struct Guard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model's input guardrails (or the global ones) on a text and show each verdict.",
        discussion: "The text comes from --text, or from standard input. Nothing is sent anywhere.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The model whose policy to run; the global guardrails when omitted.")
    var model: String?

    @Option(help: "The text to check; standard input when omitted.")
    var text: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let (config, _) = try options.load()
        let found = try model.map { name in
            guard let found = config.model(named: name) else {
                throw ValidationError("no model named \(name) (configured: \(config.models.map(\.name).joined(separator: ", ")))")
            }
            return found
        }
        let rules = config.guardrails(for: found).input
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let report = GuardReport(engine: GuardEngine(rules: rules), text: input)
        if json {
            print(report.json.encodedString())
            return
        }
        if rules.isEmpty { print("no input guardrails apply to \(model.map { "model \($0)" } ?? "the global policy")") }
        for verdict in report.verdicts {
            let rule = verdict.rule.map { " (\($0))" } ?? ""
            print(
                "\(verdict.action.rawValue)\t\(verdict.finding.check)\(rule)\t\(verdict.finding.type)\tbytes \(verdict.finding.range.lowerBound)-\(verdict.finding.range.upperBound)\tscore \(verdict.finding.score)\(verdict.finding.signals.isEmpty ? "" : " (" + verdict.finding.signals.joined(separator: ", ") + ")")\t\(report.match(verdict))"
            )
        }
        print(report.blocked ? "verdict: blocked" : report.verdicts.isEmpty ? "verdict: clean" : "verdict: allowed")
        print("forwarded: \(report.forwarded)")
    }
}
