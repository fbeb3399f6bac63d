import Foundation
import KeelCore

/// A validated embeddings request.
public struct EmbeddingsRequest: Sendable {
    public var body: JSONObject
    public var model: String

    public static func parse(_ data: Data) throws(KeelError) -> EmbeddingsRequest {
        let body = try RequestBody.object(from: data)
        let checks = FieldChecks(body)
        let model = try checks.requiredString("model")
        guard let input = body["input"], !input.isNull else {
            throw KeelError.invalidRequest("Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        }
        guard isValidInput(input) else {
            throw KeelError.invalidRequest(
                "Invalid value for 'input': expected a non-empty string, an array of strings, an array of token ids or an array of token-id arrays.",
                param: "input", code: "invalid_value")
        }
        if let format = try checks.optionalString("encoding_format") {
            try checks.oneOf("encoding_format", ["float", "base64"], value: format)
        }
        try checks.optionalInteger("dimensions", in: 1...65536)
        _ = try checks.optionalString("user")
        return EmbeddingsRequest(body: body, model: model)
    }

    private static func isValidInput(_ input: JSONValue) -> Bool {
        switch input {
        case .string(let text): return !text.isEmpty
        case .array(let items) where !items.isEmpty:
            return items.allSatisfy { $0.stringValue != nil } || items.allSatisfy(isTokenID)
                || items.allSatisfy { ($0.arrayValue.map { !$0.isEmpty && $0.allSatisfy(isTokenID) }) ?? false }
        default: return false
        }
    }

    /// A non-negative integer, `5` or `5.0`.
    private static func isTokenID(_ value: JSONValue) -> Bool {
        value.integerValue.map { $0 >= 0 } ?? false
    }
}
