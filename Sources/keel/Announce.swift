import Foundation

/// Writes a line to standard output at once (unbuffered), so that scripts and tests that start
/// keel can read the address it listens on.
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
