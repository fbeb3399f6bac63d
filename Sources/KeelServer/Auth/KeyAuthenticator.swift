import HTTPTypes
import KeelCore
import KeelStore
import NIOHTTP1
import Synchronization

/// Who is calling: the Keel API key behind `/v1` requests, and the admin key behind `/api`.
/// Keys live in the store, so a key made by `keel keys create` while the gateway runs works at
/// once; lookups are cached for `cacheTime`, counted from when the store was asked (not from
/// when a slow answer came back), so a key revoked from another process stops working within
/// that time (a revocation through `/api/keys` stops it at once).
final class KeyAuthenticator: Sendable {
    static let cacheTime: Duration = .seconds(2)
    /// How long a lookup still answers when the store cannot be asked (a database restarting):
    /// a key seen in this time keeps working, one never seen is refused with a 503.
    static let staleOnErrorTime: Duration = .seconds(300)
    private static let cacheLimit = 10_000

    private struct Cached {
        var key: APIKey?
        var asked: ContinuousClock.Instant
    }

    private let store: any APIKeyStore
    private let config: AuthConfig
    private let cache = Mutex<[String: Cached]>([:])
    private let anyKey = Mutex<(value: Bool, asked: ContinuousClock.Instant)?>(nil)

    init(store: any APIKeyStore, config: AuthConfig) {
        self.store = store
        self.config = config
    }

    /// The caller of a route with `access`, or a 401 (503 while the store cannot be read).
    /// An API-key route takes the admin key too; an open route looks at no credentials.
    func caller(for access: RouteAccess, secret: String?) async throws(KeelError) -> Caller {
        switch access {
        case .open:
            return .anonymous
        case .admin:
            try await checkAdmin(secret: secret)
            return .admin
        case .apiKey:
            if let secret, let adminKey = config.adminKey, Self.constantTimeEqual(secret, adminKey) { return .admin }
            return try await callerKey(secret: secret).map(Caller.key) ?? .anonymous
        }
    }

    /// The key behind `secret`, nil while keys are not in use; a missing, unknown or revoked
    /// key is a 401.
    private func callerKey(secret: String?) async throws(KeelError) -> APIKey? {
        guard try await keysInUse() else { return nil }
        guard let secret else {
            throw Self.unauthorized("Missing API key: send it as 'Authorization: Bearer sk-keel-...'.", code: "missing_api_key")
        }
        guard let key = try await key(hash: APIKeySecret.hash(secret)), key.isActive else {
            throw Self.unauthorized(
                "Incorrect API key provided: \(APIKeySecret.displayPrefix(secret))... is not a valid Keel key.", code: "invalid_api_key")
        }
        return key
    }

    private func checkAdmin(secret: String?) async throws(KeelError) {
        guard let adminKey = config.adminKey else {
            guard try await keysInUse() else { return }
            throw Self.unauthorized(
                "The admin API is locked while API keys are in use: set auth.admin_key in keel.yaml.", code: "admin_key_not_configured")
        }
        guard let secret, Self.constantTimeEqual(secret, adminKey) else {
            throw Self.unauthorized("The admin API needs the admin key: send it as 'Authorization: Bearer ...'.", code: "invalid_admin_key")
        }
    }

    /// Forgets cached lookups: a key created or revoked here takes effect at once.
    func keysChanged() {
        cache.withLock { $0.removeAll() }
        anyKey.withLock { $0 = nil }
    }

    private func keysInUse() async throws(KeelError) -> Bool {
        if config.required { return true }
        let asked = ContinuousClock.now
        if let known = anyKey.withLock({ $0 }), asked - known.asked < Self.cacheTime { return known.value }
        let value: Bool
        do {
            value = try await store.hasKeys()
        } catch {
            // The last answer holds for a while (a database restarting); with none, failing
            // open would let anyone in while the store is down.
            if let known = anyKey.withLock({ $0 }), asked - known.asked < Self.staleOnErrorTime { return known.value }
            throw KeelError(
                status: 503, type: "api_error", message: "API keys cannot be checked: the store is unavailable.", code: "auth_unavailable")
        }
        anyKey.withLock { $0 = (value, asked) }
        return value
    }

    private func key(hash: String) async throws(KeelError) -> APIKey? {
        let asked = ContinuousClock.now
        if let cached = cache.withLock({ $0[hash] }), asked - cached.asked < Self.cacheTime { return cached.key }
        let key: APIKey?
        do {
            key = try await store.key(hash: hash)
        } catch {
            if let cached = cache.withLock({ $0[hash] }), asked - cached.asked < Self.staleOnErrorTime { return cached.key }
            throw KeelError(
                status: 503, type: "api_error", message: "API keys cannot be checked: the store is unavailable.", code: "auth_unavailable")
        }
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[hash] = Cached(key: key, asked: asked)
        }
        return key
    }

    static func bearer(_ headers: HTTPHeaders) -> String? {
        bearer(
            authorization: headers.first(name: "authorization"), apiKey: headers.first(name: "api-key") ?? headers.first(name: "x-api-key"))
    }

    static func bearer(_ headers: HTTPFields) -> String? {
        bearer(authorization: headers[.authorization], apiKey: headers[HTTPField.Name("api-key")!] ?? headers[HTTPField.Name("x-api-key")!])
    }

    /// The token of `Authorization: Bearer ...`, else an `api-key` header's (Azure's style).
    static func bearer(authorization: String?, apiKey: String?) -> String? {
        authorization.flatMap(bearerToken) ?? apiKey
    }

    /// `TOKEN` of `Bearer TOKEN`: the scheme in any case, spaces and tabs around the token
    /// dropped. Read as bytes: Foundation's trimming cost some 4 µs per request on Linux.
    private static func bearerToken(_ authorization: String) -> String? {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let bytes = authorization.utf8
        guard let schemeStart = bytes.firstIndex(where: { !isBlank($0) }),
            let schemeEnd = bytes[schemeStart...].firstIndex(of: UInt8(ascii: " ")),
            bytes[schemeStart..<schemeEnd].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }),
            let tokenStart = bytes[schemeEnd...].firstIndex(where: { !isBlank($0) }),
            let tokenLast = bytes[tokenStart...].lastIndex(where: { !isBlank($0) })
        else { return nil }
        return String(authorization[tokenStart...tokenLast])
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func unauthorized(_ message: String, code: String) -> KeelError {
        KeelError(status: 401, type: "invalid_request_error", message: message, code: code)
    }
}
