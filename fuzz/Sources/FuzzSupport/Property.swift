/// A property a fuzz target checks on every input. A broken one traps, so libFuzzer saves the
/// input as a crash file and stops, exactly as it does for a real crash.
public enum Property {
    public static func require(_ holds: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        if !holds { fatalError("Property broken: \(message())", file: file, line: line) }
    }
}
