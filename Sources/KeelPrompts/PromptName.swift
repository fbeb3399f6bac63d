/// The names prompts and their labels may have: letters, digits, `.`, `_` and `-`, at most 128
/// characters, so they are safe in URLs, file names and `NAME@LABEL`.
public enum PromptName {
    public static let maxLength = 128

    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxLength
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default:
                    return false
                }
            }
    }

    /// Why `name` is refused, for messages.
    public static let rule = "letters, digits, '.', '_' and '-', at most 128 characters"
}
