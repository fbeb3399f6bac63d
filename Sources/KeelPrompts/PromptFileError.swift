/// A prompt file that cannot be loaded: `FILE:LINE: message`, as compilers print, so an editor
/// can jump to the line.
public struct PromptFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem has no place in the file (it is empty, say).
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line): \(message)"
    }
}
