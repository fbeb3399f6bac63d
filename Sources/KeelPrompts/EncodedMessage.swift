import KeelCore

/// A message template written ahead as JSON bytes, with a slot wherever a variable goes:
/// rendering it for the provider appends those bytes and escapes the variables' values, with
/// no message built and encoded again per request. It says what `MessageTemplate.render`
/// says (member order aside).
struct EncodedMessage: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case bytes([UInt8])
        case variable(String)
    }

    let pieces: [Piece]
    /// How many bytes the message writes besides its variables' values.
    let fixedByteCount: Int

    init(base: JSONObject, content: MessageTemplate.Content) {
        var writer = Writer()
        switch content {
        case .fixed:
            writer.append(JSONValue.object(base).encodedBytes())
        case .text(let template):
            writer.openObject(base, slot: "content")
            writer.append(#"""#.utf8)
            writer.append(template)
            writer.append(#""}"#.utf8)
        case .parts(let parts):
            writer.openObject(base, slot: "content")
            writer.append("[".utf8)
            for (index, part) in parts.enumerated() {
                if index > 0 { writer.append(",".utf8) }
                switch part {
                case .fixed(let value):
                    writer.append(value.encodedBytes())
                case .text(let object, let template):
                    writer.openObject(object, slot: "text")
                    writer.append(#"""#.utf8)
                    writer.append(template)
                    writer.append(#""}"#.utf8)
                }
            }
            writer.append("]}".utf8)
        }
        pieces = writer.finished
        fixedByteCount = pieces.reduce(0) { total, piece in
            if case .bytes(let bytes) = piece { total + bytes.count } else { total }
        }
    }

    /// The messages with `values` in their slots, separated by commas, appended to `output`.
    static func write(_ messages: some Sequence<EncodedMessage>, _ values: JSONObject, into output: inout [UInt8]) {
        var first = true
        for message in messages {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            message.write(values, into: &output)
        }
    }

    /// The message with `values` in its slots, appended to `output`.
    func write(_ values: JSONObject, into output: inout [UInt8]) {
        for piece in pieces {
            switch piece {
            case .bytes(let bytes):
                output.append(contentsOf: bytes)
            case .variable(let name):
                switch values.value(comparingKeysFor: name) {
                case nil: break
                case .string(let text)?: JSONValue.appendEscaped(text, to: &output)
                case let other?: JSONValue.appendEscaped(other.encodedString(), to: &output)
                }
            }
        }
    }

    private struct Writer {
        var pieces: [Piece] = []
        private var pending: [UInt8] = []

        mutating func append(_ bytes: some Sequence<UInt8>) {
            pending.append(contentsOf: bytes)
        }

        /// `{`, every member of `object` but `slot`, then `"slot":`.
        mutating func openObject(_ object: JSONObject, slot: String) {
            append("{".utf8)
            for (key, value) in object where key != slot {
                append(JSONValue.string(key).encodedBytes())
                append(":".utf8)
                append(value.encodedBytes())
                append(",".utf8)
            }
            append(JSONValue.string(slot).encodedBytes())
            append(":".utf8)
        }

        /// The template's text escaped, a slot for each placeholder.
        mutating func append(_ template: PromptTemplate) {
            for segment in template.segments {
                switch segment {
                case .text(let text):
                    JSONValue.appendEscaped(text, to: &pending)
                case .variable(let name):
                    if !pending.isEmpty { pieces.append(.bytes(pending)) }
                    pending.removeAll()
                    pieces.append(.variable(name))
                }
            }
        }

        var finished: [Piece] {
            pending.isEmpty ? pieces : pieces + [.bytes(pending)]
        }
    }
}
