/// How scopes relate, from the configuration and the prompt catalog: which targets serve a
/// model (in chain order) and which model a prompt is pinned to. Correlation uses it to tie a
/// change of one scope (a target's model version) to a breach of another (its model's quality).
public struct Topology: Sendable, Equatable {
    /// Model → its targets, `provider/upstream`, first first.
    public var modelTargets: [String: [String]]
    /// Prompt name → the model its newest version is pinned to.
    public var promptModels: [String: String]

    public init(modelTargets: [String: [String]] = [:], promptModels: [String: String] = [:]) {
        self.modelTargets = modelTargets
        self.promptModels = promptModels
    }

    /// The models a scope's traffic runs on.
    func models(of scope: Finding.Scope) -> [String] {
        switch scope.dimension {
        case .model: return [scope.value]
        case .target: return modelTargets.filter { $0.value.contains(scope.value) }.map(\.key).sorted()
        case .prompt: return promptModels[Self.promptName(scope.value)].map { [$0] } ?? []
        case .key, .team, .none: return []
        }
    }

    /// The targets a scope's traffic runs on.
    func targets(of scope: Finding.Scope) -> [String] {
        if scope.dimension == .target { return [scope.value] }
        return models(of: scope).flatMap { modelTargets[$0] ?? [] }
    }

    /// `support-reply@3` → `support-reply`.
    static func promptName(_ version: String) -> String {
        version.lastIndex(of: "@").map { String(version[..<$0]) } ?? version
    }
}
