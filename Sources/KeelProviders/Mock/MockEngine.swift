import Foundation
import KeelCore
import Synchronization

/// The behaviour of Keel's mock provider, shared by the in-process `mock` provider kind and the
/// standalone `keel mock` server: it echoes, calls tools, streams word by word, and fails,
/// waits or hangs on request.
public final class MockEngine: Sendable {
    /// A failure the mock was told to produce.
    public struct Failure: Error, Sendable {
        public var status: Int
        public var retryAfterSeconds: Int?
        public var message: String
    }

    /// Requests seen per model name, for `times-N`.
    private let requestCounts = Mutex<[String: Int]>([:])
    private let counters = Mutex(Counters())
    private let promptCache = MockPromptCache()

    /// What the mock has served, for tests that check what reached the upstream.
    public struct Counters: Sendable, Equatable {
        public var requests = 0
        public var activeStreams = 0
        public var cancelledStreams = 0
    }

    public var stats: Counters { counters.withLock { $0 } }

    /// Counts a stream while `body` writes it; one that ends in an error or a cancellation
    /// (the client went away) counts as cancelled.
    public func trackStream<T>(_ body: () async throws -> T) async rethrows -> T {
        counters.withLock { $0.activeStreams += 1 }
        do {
            let value = try await body()
            counters.withLock { counters in
                counters.activeStreams -= 1
                if Task.isCancelled { counters.cancelledStreams += 1 }
            }
            return value
        } catch {
            counters.withLock { counters in
                counters.activeStreams -= 1
                counters.cancelledStreams += 1
            }
            throw error
        }
    }

    public init() {}

    /// Waits, hangs or fails as `behaviour` says, then returns the reply to `prompt`.
    public func respond(to prompt: MockPrompt, behaviour: MockBehaviour) async throws -> MockReply {
        counters.withLock { $0.requests += 1 }
        if behaviour.hang {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        if let status = behaviour.failStatus, shouldFail(model: prompt.model, times: behaviour.failTimes) {
            if behaviour.delayMs > 0 { try await Task.sleep(for: .milliseconds(behaviour.delayMs)) }
            throw Failure(
                status: status, retryAfterSeconds: behaviour.retryAfterSeconds,
                message: "Mock failure with status \(status), as requested.")
        }
        if behaviour.delayMs > 0 { try await Task.sleep(for: .milliseconds(behaviour.delayMs)) }
        var behaviour = behaviour
        if let sequence = behaviour.replySequence {
            let turn = requestCounts.withLock { counts in
                let key = "replies:" + sequence.joined(separator: "\u{1}")
                defer { counts[key, default: 0] += 1 }
                return counts[key, default: 0]
            }
            behaviour.replyText = sequence[min(turn, sequence.count - 1)]
        }
        var reply = Self.reply(to: prompt, behaviour: behaviour)
        if !prompt.cachePrefixes.isEmpty {
            let usage = promptCache.use(prompt.cachePrefixes, promptTokens: reply.promptTokens)
            reply.cacheReadTokens = usage.read
            reply.cacheWriteTokens = usage.write
        }
        return reply
    }

    /// Waits before stream piece `index` and breaks the stream where `behaviour` says.
    public func pace(piece index: Int, behaviour: MockBehaviour) async throws {
        if let limit = behaviour.streamFailAfter, index >= limit {
            throw Failure(status: 500, retryAfterSeconds: nil, message: "Mock stream broken after \(limit) chunks, as requested.")
        }
        if index > 0, behaviour.chunkDelayMs > 0 { try await Task.sleep(for: .milliseconds(behaviour.chunkDelayMs)) }
    }

    private func shouldFail(model: String, times: Int?) -> Bool {
        guard let times else { return true }
        return requestCounts.withLock { counts in
            let seen = counts[model, default: 0]
            counts[model] = seen + 1
            return seen < times
        }
    }

    static func reply(to prompt: MockPrompt, behaviour: MockBehaviour) -> MockReply {
        let id = "chatcmpl-mock-" + IdentifierRandom.hex(bytes: 12)
        let created = Int(Date().timeIntervalSince1970)
        let promptTokens = max(1, prompt.inputCharacters / 4)
        let model = behaviour.responseModel ?? prompt.model
        if let call = toolCall(for: prompt) {
            return MockReply(
                id: id, model: model, created: created, textPieces: [], toolCalls: [call], finishReason: .toolCalls,
                promptTokens: promptTokens, completionTokens: max(1, call.arguments.encodedString().count / 4))
        }
        let text =
            behaviour.judge
            ? MockJudge.verdict(for: prompt.lastUserText)
            : behaviour.replyText ?? (prompt.lastUserText.isEmpty ? "Hello from Keel's mock provider." : prompt.lastUserText)
        var pieces = words(of: text)
        var finish = MockReply.FinishReason.stop
        if let limit = prompt.maxTokens, pieces.count > limit {
            pieces = Array(pieces.prefix(max(0, limit)))
            finish = .length
        }
        return MockReply(
            id: id, model: model, created: created, textPieces: pieces, finishReason: finish,
            promptTokens: promptTokens, completionTokens: pieces.count)
    }

    private static func toolCall(for prompt: MockPrompt) -> MockReply.ToolCall? {
        guard !prompt.toolsDisabled, !prompt.lastMessageIsToolResult, !prompt.tools.isEmpty else { return nil }
        let tool = prompt.tools.first { $0.name == prompt.forcedTool } ?? prompt.tools[0]
        let id = "call_" + IdentifierRandom.hex(bytes: 12)
        return MockReply.ToolCall(id: id, name: tool.name, arguments: MockArguments.sample(for: tool.parameters))
    }

    /// Splits text into words that keep their trailing spaces, so that joined they give it back.
    static func words(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character == " " || character == "\n" {
                current.append(character)
            } else {
                if let last = current.last, last == " " || last == "\n" {
                    pieces.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// A deterministic unit vector for `text`, standing in for an embedding.
    /// A unit vector that behaves like a real embedding for tests: texts sharing words point
    /// the same way (each lower-cased word adds a hashed, signed feature), different texts do not.
    public static func embedding(of text: String, dimensions: Int) -> [Double] {
        let size = max(1, dimensions)
        var values = Array(repeating: 0.0, count: size)
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }
        for word in words.isEmpty ? [Substring(text)] : words {
            var state: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in word.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
            // Each word spreads over three dimensions, so that a few words rarely cancel out.
            for _ in 0..<3 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                values[Int((state >> 33) % UInt64(size))] += (state >> 63) == 0 ? 1 : -1
            }
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? values.map { $0 / norm } : values
    }
}

/// Arguments for a mock tool call that satisfy the tool's schema's required properties.
enum MockArguments {
    static func sample(for schema: JSONValue) -> JSONValue {
        value(for: schema, depth: 0)
    }

    private static func value(for schema: JSONValue, depth: Int) -> JSONValue {
        if let values = schema["enum"]?.arrayValue, let first = values.first { return first }
        if let constant = schema["const"] { return constant }
        let type = schema["type"]?.stringValue ?? schema["type"]?[0]?.stringValue ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            guard depth < 8 else { return [:] }
            let properties = schema["properties"]?.objectValue ?? [:]
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? Array(properties.keys)
            var object: JSONObject = [:]
            for name in required {
                object[name] = value(for: properties[name] ?? [:], depth: depth + 1)
            }
            return .object(object)
        case "array":
            guard depth < 8 else { return [] }
            return [value(for: schema["items"] ?? [:], depth: depth + 1)]
        case "integer": return .int(Int64(schema["minimum"]?.intValue ?? 1))
        case "number": return .double(schema["minimum"]?.doubleValue ?? 1.5)
        case "boolean": return true
        case "null": return .null
        default: return "mock"
        }
    }
}
