import Foundation
import Hummingbird
import KeelCore
import KeelGateway
import KeelStore

/// `/api/keys`: list, create and revoke Keel API keys (the same as `keel keys`).
struct KeyRoutes {
    let store: any APIKeyStore
    let authenticator: KeyAuthenticator
    let maxBodyBytes: Int

    func register(on routes: AccessGroup) {
        routes.get("/api/keys") { request, _ in
            let all = try QueryValue.boolean(request.uri.queryParameters["all"], "all") ?? false
            let keys = try await store.keys(includingRevoked: all)
            return Response.json(["object": "list", "data": .array(keys.map(\.json))])
        }
        routes.post("/api/keys") { request, _ in
            var request = request
            let body = try KeelGateway.RequestBody.object(from: try await request.collectBody(limit: maxBodyBytes))
            let (key, secret) = try KeyRequest.mint(from: body)
            do {
                try await store.createKey(key)
            } catch let error as APIKeyNameTaken {
                throw KeelError(
                    status: 409, type: "invalid_request_error", message: "\(error.description): revoke it first or pick another name.", param: "name",
                    code: "key_name_taken")
            }
            authenticator.keysChanged()
            var json = key.json.objectValue ?? [:]
            json["key"] = .string(secret)
            return Response.json(.object(json), status: .created)
        }
        routes.delete("/api/keys/{key}") { _, context in
            let name = try context.pathParameter("key")
            guard try await store.revokeKey(name) else {
                throw KeelError(
                    status: 404, type: "invalid_request_error", message: "No active key has the id or name '\(name)'.", param: "key",
                    code: "key_not_found")
            }
            authenticator.keysChanged()
            return Response.json(["revoked": .string(name)])
        }
    }
}

/// A request for a new key, from `/api/keys` or `keel keys create`: checked and minted.
public enum KeyRequest {
    public static func mint(from body: JSONObject) throws(KeelError) -> (APIKey, String) {
        guard let name = body["name"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw KeelError.invalidRequest(
                "Missing required parameter: 'name' (a string that is not blank).", param: "name", code: "missing_required_parameter")
        }
        let team = try optionalString(body, "team")
        var budget: APIKey.Budget?
        if let text = try optionalString(body, "budget") {
            guard text.count <= 40, let parsed = APIKey.Budget(parsing: text) else {
                throw KeelError.invalidRequest(
                    "Invalid 'budget' \"\(text)\": expected an amount in USD per day or month, like 50usd/month or 5usd/day.", param: "budget",
                    code: "invalid_value")
            }
            budget = parsed
        }
        let rpm = try positiveInteger(body, "rpm")
        let tpm = try positiveInteger(body, "tpm")
        var models: [String]?
        if let value = body["models"], !value.isNull {
            guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count, !list.isEmpty else {
                throw KeelError.invalidRequest("Invalid 'models': expected a non-empty array of model names.", param: "models", code: "invalid_type")
            }
            models = list
        }
        return APIKeySecret.mint(name: name, team: team, budget: budget, rpm: rpm, tpm: tpm, models: models)
    }

    private static func optionalString(_ body: JSONObject, _ key: String) throws(KeelError) -> String? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let text = value.stringValue, !text.isEmpty else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected a non-empty string.", param: key, code: "invalid_type")
        }
        return text
    }

    private static func positiveInteger(_ body: JSONObject, _ key: String) throws(KeelError) -> Int? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let number = value.integerValue.flatMap({ Int(exactly: $0) }), number > 0 else {
            throw KeelError.invalidRequest("Invalid '\(key)': expected a positive integer.", param: key, code: "invalid_value")
        }
        return number
    }
}
