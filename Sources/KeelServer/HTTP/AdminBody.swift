import Hummingbird
import KeelCore
import KeelGateway

/// The JSON object bodies of the admin API, read with the same errors everywhere.
enum AdminBody {
    static func object(_ request: Request, limit: Int, emptyAllowed: Bool = false) async throws -> JSONObject {
        var request = request
        let data = try await request.collectBody(limit: limit)
        if emptyAllowed && data.isEmpty { return [:] }
        return try KeelGateway.RequestBody.object(from: data)
    }

    static func optionalString(_ body: JSONObject, _ key: String) throws(KeelError) -> String? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected a string.", param: key, code: "invalid_type")
        }
        return text
    }

    static func optionalNumber(_ body: JSONObject, _ key: String) throws(KeelError) -> Double? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let number = value.doubleValue, number.isFinite else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected a number.", param: key, code: "invalid_type")
        }
        return number
    }

    static func optionalInteger(_ body: JSONObject, _ key: String) throws(KeelError) -> Int? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let number = value.integerValue.flatMap({ Int(exactly: $0) }) else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected an integer.", param: key, code: "invalid_type")
        }
        return number
    }

    static func optionalBool(_ body: JSONObject, _ key: String) throws(KeelError) -> Bool? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected true or false.", param: key, code: "invalid_type")
        }
        return flag
    }
}
