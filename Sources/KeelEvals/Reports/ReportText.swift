/// Text fitted to a terminal column.
enum ReportText {
    /// The text on one line: runs of whitespace (newlines included) become one space.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// At most `width` characters, ending in `…` when cut.
    static func cut(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        guard text.count > width else { return text }
        return String(text.prefix(width - 1)) + "…"
    }

    /// Cut to `width`, then padded with spaces to it.
    static func column(_ text: String, _ width: Int) -> String {
        let fitted = cut(text, to: width)
        return fitted + String(repeating: " ", count: max(0, width - fitted.count))
    }
}
