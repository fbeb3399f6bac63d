import Crypto
import Foundation
import KeelCore

/// A Keel API key as stored: never the secret, only its SHA-256. The limits are the key's own;
/// `team` groups keys under one budget.
public struct APIKey: Sendable, Equatable {
    public typealias Budget = KeelCore.Budget
    public typealias Period = Budget.Period

    public var id: String
    public var name: String
    public var team: String?
    /// Hex SHA-256 of the secret.
    public var hash: String
    /// The secret's first characters, to tell keys apart in lists (`sk-keel-Ab3d`).
    public var prefix: String
    public var budget: Budget?
    /// Requests per minute.
    public var rpm: Int?
    /// Tokens per minute.
    public var tpm: Int?
    /// The Keel models the key may call; nil for all.
    public var models: [String]?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, name: String, team: String? = nil, hash: String, prefix: String, budget: Budget? = nil, rpm: Int? = nil,
        tpm: Int? = nil, models: [String]? = nil, createdAt: Date = Date(), revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.team = team
        self.hash = hash
        self.prefix = prefix
        self.budget = budget
        self.rpm = rpm
        self.tpm = tpm
        self.models = models
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isActive: Bool { revokedAt == nil }

    /// Whether the key may call the Keel model `model`.
    public func allows(model: String) -> Bool { models.map { $0.contains(model) } ?? true }
}

/// Makes and recognises key secrets: `sk-keel-` and 40 random letters and digits (238 bits),
/// stored as their SHA-256. A secret that random needs no slow hash: nothing can be guessed.
public enum APIKeySecret {
    public static let prefix = "sk-keel-"
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    public static func hash(_ secret: String) -> String { sha256Hex(secret) }

    /// What lists show of a secret.
    public static func displayPrefix(_ secret: String) -> String { String(secret.prefix(prefix.count + 4)) }

    /// A new key record and its secret, which is shown once and never stored.
    public static func mint(
        name: String, team: String? = nil, budget: APIKey.Budget? = nil, rpm: Int? = nil, tpm: Int? = nil, models: [String]? = nil
    ) -> (key: APIKey, secret: String) {
        let secret = generate()
        let id = "key_" + String(hash(secret + UUID().uuidString).prefix(16))
        let key = APIKey(
            id: id, name: name, team: team, hash: hash(secret), prefix: displayPrefix(secret), budget: budget, rpm: rpm, tpm: tpm, models: models)
        return (key, secret)
    }
}

/// Where keys live: the same store as the traces, so `keel keys` and a running gateway agree.
public protocol APIKeyStore: Sendable {
    /// Adds `key`; a name already in use by an active key is refused.
    func createKey(_ key: APIKey) async throws
    func keys(includingRevoked: Bool) async throws -> [APIKey]
    /// Revokes the active key with this id or name; false when there is none.
    func revokeKey(_ idOrName: String) async throws -> Bool
    /// The key (active or not) whose secret hashes to `hash`.
    func key(hash: String) async throws -> APIKey?
    /// The key (active or not) with this id.
    func key(id: String) async throws -> APIKey?
    /// Whether any key was ever made (a revoked key counts: revoking the last key must not open `/v1`).
    func hasKeys() async throws -> Bool
    /// The recorded cost of the traces of these keys (by id) since `date`.
    func spend(apiKeyIDs: [String], since date: Date) async throws -> Double
}

public struct APIKeyNameTaken: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "an active key is already named \"\(name)\"" }
}

extension APIKey {
    /// For `/api/keys` and `keel keys list --json`: everything but the hash.
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "name": .string(name), "prefix": .string(prefix),
            "created_at": .string(Trace.format(createdAt)), "active": .bool(isActive),
        ]
        object["team"] = team.map(JSONValue.string) ?? .null
        object["budget"] = budget.map { .string($0.description) } ?? .null
        object["rpm"] = rpm.map { .int(Int64($0)) } ?? .null
        object["tpm"] = tpm.map { .int(Int64($0)) } ?? .null
        object["models"] = models.map { .array($0.map(JSONValue.string)) } ?? .null
        object["revoked_at"] = revokedAt.map { .string(Trace.format($0)) } ?? .null
        return .object(object)
    }
}

/// The SHA-256 of `text`'s UTF-8, as lowercase hex.
public func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).lowercaseHex
}
