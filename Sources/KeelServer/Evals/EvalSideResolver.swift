import KeelCore
import KeelEvals
import KeelPrompts

/// Turns a suite's target and the `--candidate` / `--baseline` flags into the run's sides: a
/// prompt label becomes the version it points at now (a run tests versions, not a label a
/// rollout may be splitting), a model must be configured.
public struct EvalSideResolver: Sendable {
    public var catalog: PromptCatalog
    public var models: Set<String>

    public init(catalog: PromptCatalog, models: Set<String>) {
        self.catalog = catalog
        self.models = models
    }

    public func sides(for suite: EvalSuite, candidate: String?, baseline: String?) throws(EvalSetupError) -> [EvalSide] {
        var sides = [try side(.candidate, candidate ?? suite.defaultTargetText, suite: suite)]
        if let baseline { sides.append(try side(.baseline, baseline, suite: suite)) }
        return sides
    }

    private func side(_ role: EvalSide.Role, _ text: String, suite: EvalSuite) throws(EvalSetupError) -> EvalSide {
        switch suite.target {
        case .prompt:
            guard let selector = EvalPromptSelector(parsing: text) else {
                throw EvalSetupError("--\(role.rawValue) '\(text)': expected PROMPT, PROMPT@VERSION or PROMPT@LABEL")
            }
            return EvalSide(role: role, target: .prompt(name: selector.name, version: try version(selector)), requested: text)
        case .model:
            guard models.contains(text) else {
                throw EvalSetupError("\(role.rawValue) '\(text)' is not a configured model (models: \(models.sorted().joined(separator: ", ")))")
            }
            return EvalSide(role: role, target: .model(text), requested: text)
        }
    }

    private func version(_ selector: EvalPromptSelector) throws(EvalSetupError) -> Int {
        guard catalog.names.contains(selector.name) else {
            let known = catalog.names.prefix(20).joined(separator: ", ")
            throw EvalSetupError("unknown prompt '\(selector.name)' (prompts: \(known.isEmpty ? "none; push one with keel prompts push" : known))")
        }
        switch selector.selector ?? .label(PromptReference.defaultLabel) {
        case .version(let number):
            guard catalog.version(name: selector.name, version: number) != nil else {
                throw EvalSetupError("prompt '\(selector.name)' has no version \(number)")
            }
            return number
        case .label(let label):
            if let number = catalog.labels(of: selector.name)[label] { return number }
            if label == "latest", let newest = catalog.newestVersion(of: selector.name) { return newest }
            let labels = catalog.labels(of: selector.name).keys.sorted().joined(separator: ", ")
            throw EvalSetupError(
                "prompt '\(selector.name)' has no label '\(label)' (labels: \(labels.isEmpty ? "none" : labels)); name a version: \(selector.name)@N"
            )
        }
    }

}

extension EvalSuite {
    /// The suite's own target as a flag would name it.
    var defaultTargetText: String {
        switch target {
        case .prompt(let selector): return selector.description
        case .model(let name): return name
        }
    }
}

/// A run that cannot start: an unknown prompt, version, label or model (exit code 1).
public struct EvalSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
