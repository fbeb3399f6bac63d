import KeelCore
import KeelPrompts

/// The prompt versions whose rendering the API would refuse, found once per catalog rather
/// than on every call: variables only fill strings, so whether a version's messages and
/// parameters pass does not depend on them, and the client's own fields were checked when its
/// request was parsed.
struct PromptRenderingFaults: Sendable {
    private struct VersionKey: Hashable, Sendable {
        var name: String
        var version: Int
    }

    private let faults: [VersionKey: KeelError]

    init(_ catalog: PromptCatalog) {
        var faults: [VersionKey: KeelError] = [:]
        for version in catalog.allVersions {
            let definition = version.definition
            do throws(KeelError) {
                try ChatRequest.checkPromptAdditions(params: definition.params, messages: definition.render([:]))
            } catch {
                faults[VersionKey(name: version.name, version: version.version)] = error
            }
        }
        self.faults = faults
    }

    /// Throws what checking `name@version`'s rendering found wrong, if anything.
    func check(name: String, version: Int) throws(KeelError) {
        guard !faults.isEmpty, let fault = faults[VersionKey(name: name, version: version)] else { return }
        throw fault
    }
}
