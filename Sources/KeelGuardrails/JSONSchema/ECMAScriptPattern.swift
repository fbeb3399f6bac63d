/// Schemas are written for ECMA-262 regular expressions; NSRegularExpression speaks ICU. Most
/// syntax is shared, but a few common constructs mean something else in ICU and would let
/// invalid answers through. This rewrites those, outside and inside character classes:
///
/// - `$` is the end of input in ECMA-262; in ICU it also matches before a final newline (`\z`).
/// - `\d` and `\w` are ASCII in ECMA-262; in ICU they include other scripts' digits and letters.
/// - `\s` includes U+FEFF in ECMA-262, not in ICU.
/// - `[` inside a class is a literal in ECMA-262; in ICU it opens a nested set.
enum ECMAScriptPattern {
    static func icuPattern(for pattern: String) -> String {
        var output = ""
        var inClass = false
        var scalars = pattern.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.next() else {
                    output += "\\"  // a dangling backslash: let ICU reject it
                    continue
                }
                output += translatedEscape(escaped, inClass: inClass)
            case "[" where inClass:
                output += "\\["
            case "[":
                inClass = true
                output += "["
            case "]" where inClass:
                inClass = false
                output += "]"
            case "$" where !inClass:
                output += "\\z"
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    private static func translatedEscape(_ escaped: Unicode.Scalar, inClass: Bool) -> String {
        switch (escaped, inClass) {
        case ("d", false): return "[0-9]"
        case ("D", false): return "[^0-9]"
        case ("w", false): return "[A-Za-z0-9_]"
        case ("W", false): return "[^A-Za-z0-9_]"
        case ("s", false): return "[\\s\\x{FEFF}]"
        case ("S", false): return "[^\\s\\x{FEFF}]"
        case ("d", true): return "0-9"
        case ("s", true): return "\\s\\x{FEFF}"
        case ("w", true): return "A-Za-z0-9_"
        default: return "\\" + String(escaped)
        }
    }
}
