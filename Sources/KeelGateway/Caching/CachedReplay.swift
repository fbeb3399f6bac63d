import Foundation
import KeelCore
import KeelProviders

/// A cached answer given back: as it was for a whole answer, or as a short stream (the text in
/// one chunk, then the finish reason, then the usage if the client asked for it).
enum CachedReplay {
    static func stream(_ completion: JSONValue, includeUsage: Bool) -> ChunkStream {
        var chunks: [JSONValue] = []
        let base: JSONObject = [
            "id": completion["id"] ?? .string("chatcmpl-keel-cache"), "object": "chat.completion.chunk",
            "created": completion["created"] ?? .int(Int64(Date().timeIntervalSince1970)), "model": completion["model"] ?? .null,
        ]
        for (index, choice) in (completion["choices"]?.arrayValue ?? []).enumerated() {
            let message = choice["message"]?.objectValue ?? [:]
            var delta: JSONObject = ["role": "assistant", "content": message["content"] ?? .string("")]
            if let calls = message["tool_calls"]?.arrayValue {
                delta["tool_calls"] = .array(
                    calls.enumerated().map { position, call in
                        var call = call.objectValue ?? [:]
                        call["index"] = .int(Int64(position))
                        return .object(call)
                    })
            }
            var first = base
            first["choices"] = [["index": .int(Int64(index)), "delta": .object(delta), "finish_reason": nil]]
            var last = base
            last["choices"] = [["index": .int(Int64(index)), "delta": [:], "finish_reason": choice["finish_reason"] ?? "stop"]]
            chunks += [.object(first), .object(last)]
        }
        if includeUsage, let usage = completion["usage"] {
            var chunk = base
            chunk["choices"] = []
            chunk["usage"] = usage
            chunks.append(.object(chunk))
        }
        let (stream, continuation) = ChunkStream.makeStream()
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
        return stream
    }
}

extension StreamAccumulator {
    /// The stream as one whole answer, for the cache.
    func completion(id: String, created: Int64) -> JSONValue {
        var message: JSONObject = ["role": "assistant"]
        for (key, value) in output.objectValue ?? [:] where key == "content" || key == "tool_calls" { message[key] = value }
        var object: JSONObject = [
            "id": .string(id), "object": "chat.completion", "created": .int(created), "model": model.map(JSONValue.string) ?? .null,
            "choices": [["index": 0, "message": .object(message), "finish_reason": finishReason.map(JSONValue.string) ?? "stop"]],
        ]
        if let usage { object["usage"] = usage }
        return .object(object)
    }
}
