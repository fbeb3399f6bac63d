import Foundation
import KeelCore
import KeelPrompts

/// A call by reference's rendered request, written from the client's own bytes instead of
/// encoding the edited body again (once for the provider, once more for the trace): `model`
/// set to the pin, the version's messages before the client's, `prompt` dropped, the version's
/// parameters the client did not set added, every other member copied as it came.
enum RenderedRequestBytes {
    /// `members` are where the top-level members of `client` lie, none with a key written with
    /// escapes (`ChatRequest.editableMembers`).
    static func write(client: Data, members: [JSONSplice.Member], prompt: ResolvedPrompt, addedParams: [PromptParam]) -> Data {
        client.withUnsafeBytes { bytes -> Data in
            var output: [UInt8] = []
            // The client's bytes hold its members and the variables' values: with the version's
            // own bytes, room for the whole request without growing, and no more, so that a
            // usual request stays within the allocator's per-thread cache (about 1 KB).
            output.reserveCapacity(bytes.count + prompt.renderedFixedBytes)
            output.append(contentsOf: prompt.opening)
            prompt.writeMessages(into: &output)
            // Parsing keeps a repeated member's last value, and so does this.
            if let history = members.last(where: { $0.hasKey("messages", in: bytes) }), let items = arrayItems(bytes[history.value]) {
                if prompt.messageCount > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: items)
            }
            output.append(UInt8(ascii: "]"))
            for member in members where !isRewritten(member, in: bytes) {
                output.append(contentsOf: #",""#.utf8)
                output.append(contentsOf: bytes[member.key.lowerBound..<member.value.upperBound])
            }
            for param in addedParams {
                output.append(UInt8(ascii: ","))
                output.append(contentsOf: param.member)
            }
            output.append(UInt8(ascii: "}"))
            return output.withUnsafeBufferPointer { Data(buffer: $0) }
        }
    }

    private static func isRewritten(_ member: JSONSplice.Member, in bytes: UnsafeRawBufferPointer) -> Bool {
        member.hasKey("model", in: bytes) || member.hasKey("messages", in: bytes) || member.hasKey("prompt", in: bytes)
    }

    /// The items of an encoded array, without its brackets; nil for an empty array or `null`.
    private static func arrayItems(_ value: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer>? {
        guard value.first == UInt8(ascii: "["), value.count >= 2 else { return nil }
        var items = value.dropFirst().dropLast()
        while let first = items.first, isWhitespace(first) { items = items.dropFirst() }
        while let last = items.last, isWhitespace(last) { items = items.dropLast() }
        return items.isEmpty ? nil : items
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
