import KeelCore
import KeelPrompts

/// The labels a person may move: a valid name, and never `latest`, which follows every push.
public enum PromptLabelName {
    public static func check(_ label: String, param: String = "label") throws(KeelError) {
        guard PromptName.isValid(label) else {
            throw KeelError.invalidRequest("Invalid label '\(label)': use \(PromptName.rule).", param: param, code: "invalid_value")
        }
        guard label != "latest" else {
            throw KeelError.invalidRequest(
                "The label 'latest' always points at the newest version; it cannot be moved.", param: param, code: "invalid_value")
        }
    }
}
