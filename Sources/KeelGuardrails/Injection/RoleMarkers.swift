/// Chat-template tokens and role tags written into a message to fake a turn or close the
/// system prompt: `<|im_start|>system`, `[INST]`, `<<SYS>>`, `</system>`, `### System:`, a
/// line that starts with `System:` or `Assistant:`, and a machine reader named as the speaker
/// anywhere (`Shopping assistant: buy ten`). Matched in the raw text, ASCII case-insensitively.
enum RoleMarkers {
    static let markers: [[UInt8]] = [
        "<|im_start|>", "<|im_end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|endoftext|>", "<|eot_id|>",
        "<|start_header_id|>", "<|end_header_id|>", "<|begin_of_text|>", "<|assistant", "<|system", "<|user",
        "[inst]", "[/inst]", "<<sys>>", "<</sys>>",
        "</system>", "<system>", "</instructions>", "<instructions>", "</user>", "</user_input>", "</context>",
        "[system]", "[/system]", "{{system}}", "<|channel|>", "<start_of_turn>", "<end_of_turn>", "[system:", "[system note",
        "[assistant instruction", "[ai instruction", "[admin", "[developer", "<!-- ai", "<!-- assistant", "<!-- note to",
    ].map { Array($0.utf8) }

    static let lineRoles: [[UInt8]] = [
        "### system", "### instruction", "### new instruction", "### response", "## system",
        "system message:", "system prompt:", "note to ai", "note to the ai", "x-ai-instruction:", "assistant instruction",
    ].map { Array($0.utf8) }

    /// Words that, followed by a colon, name who speaks: a fake turn.
    static let speakers: [[UInt8]] = ["assistant", "agent", "ai", "model", "bot", "llm", "system", "developer", "admin"]
        .map { Array($0.utf8) }

    /// The UTF-8 ranges of the markers in `bytes`.
    static func find(in bytes: [UInt8]) -> [Range<Int>] {
        bytes.withUnsafeBufferPointer { bytes in
            var found: [Range<Int>] = []
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if index == 0 || bytes[index - 1] == UInt8(ascii: "\n"),
                    let role = lineRoles.first(where: { hasCaseless($0, in: bytes, at: index) })
                {
                    found.append(index..<(index + role.count))
                    index += role.count
                    continue
                }
                switch byte {
                case UInt8(ascii: "<"), UInt8(ascii: "["), UInt8(ascii: "{"):
                    if let marker = markers.first(where: { hasCaseless($0, in: bytes, at: index) }) {
                        found.append(index..<(index + marker.count))
                        index += marker.count
                        continue
                    }
                case UInt8(ascii: ":"):
                    var start = index
                    while start > 0, ByteClass.isLetter(bytes[start - 1]) { start -= 1 }
                    if start < index, start == 0 || !ByteClass.isAlphanumeric(bytes[start - 1]),
                        speakers.contains(where: { $0.count == index - start && hasCaseless($0, in: bytes, at: start) })
                    {
                        found.append(start..<(index + 1))
                    }
                default:
                    break
                }
                index += 1
            }
            return found
        }
    }

    private static func hasCaseless(_ marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + marker.count <= bytes.count else { return false }
        for offset in 0..<marker.count {
            let byte = bytes[index + offset]
            let lowered = ByteClass.isUpper(byte) ? byte | 0x20 : byte
            if lowered != marker[offset] { return false }
        }
        return true
    }
}
