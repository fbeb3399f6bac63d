import FuzzSupport
import KeelCore

/// ConfigLoader.parse(yaml:) on any text: a configuration or a ConfigError (its typed throws
/// promise that much), never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    do {
        let config = try ConfigLoader.parse(yaml: text, file: "fuzz.yaml", environment: ["KEEL_FUZZ_KEY": "sk-fuzz", "EMPTY": ""])
        Property.require(!config.models.isEmpty, "a configuration without models loaded")
    } catch {
        Property.require(!error.description.isEmpty, "a ConfigError without a description")
    }
    return 0
}
