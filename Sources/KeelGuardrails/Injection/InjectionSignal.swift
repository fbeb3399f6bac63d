/// The kinds of evidence the injection scorer weighs. A text's score combines the strongest
/// phrase of each kind (`1 - Π(1 - w)`), so one strong signal or several weak ones reach the
/// threshold, and a lone weak one (a role tag in a tokenizer question) does not.
enum InjectionSignal: Int, CaseIterable, Sendable {
    /// Ignore, forget or override earlier instructions; new instructions in their place.
    case override
    /// DAN and its kin: personas without rules, developer modes, fictional frames for them.
    case jailbreak
    /// Asks for the system prompt or the hidden instructions.
    case promptLeak
    /// Fake delimiters and role tags: `<|im_start|>system`, `[INST]`, `</system>`, `### System:`.
    case delimiter
    /// Never refuse, no warnings, start the answer with "Sure".
    case refusalSuppression
    /// An encoded payload to decode and follow.
    case encodedPayload
    /// The attack was written in disguise: leetspeak, look-alike letters, zero-width characters, spacing.
    case disguise
    /// Words inside a document addressed to the model that reads it (`Note to the AI reviewer:`).
    case addressedToModel
    /// Words of someone discussing attacks (`detection`, `security`, `exploit`): not evidence,
    /// they lower the score of what is found with them.
    case discussion

    var name: String {
        switch self {
        case .override: "override"
        case .jailbreak: "jailbreak"
        case .promptLeak: "prompt_leak"
        case .delimiter: "delimiter"
        case .refusalSuppression: "refusal_suppression"
        case .encodedPayload: "encoded_payload"
        case .disguise: "disguise"
        case .addressedToModel: "addressed_to_model"
        case .discussion: "discussion"
        }
    }
}
