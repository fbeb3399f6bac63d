/// Who may call Keel. `/v1` needs a Keel API key as soon as one exists (or when `required`);
/// `/api`, `/metrics` and the OTLP ingest need `adminKey` whenever it is set or keys exist.
public struct AuthConfig: Sendable, Equatable {
    /// The bearer token of the admin API; usually `${KEEL_ADMIN_KEY}`.
    public var adminKey: String?
    /// Require a key on `/v1` even before any key was created (every request is refused until one is).
    public var required = false
    /// Lets the gateway listen beyond loopback without an admin key, its admin API open to
    /// anyone who reaches it until a key exists. Off: such a gateway refuses to start.
    public var openAdmin = false

    public init(adminKey: String? = nil, required: Bool = false, openAdmin: Bool = false) {
        self.adminKey = adminKey
        self.required = required
        self.openAdmin = openAdmin
    }

    /// Why a gateway listening on `host` must not start with this configuration, if it must not.
    public func exposureProblem(host: String) -> String? {
        guard adminKey == nil, !openAdmin, !Self.isLoopback(host) else { return nil }
        return "server.host \(host) is reachable beyond this machine and auth.admin_key is not set: anyone who reaches it could read "
            + "every trace and create API keys. Set auth.admin_key (for example \"${KEEL_ADMIN_KEY}\"), listen on 127.0.0.1, "
            + "or set auth.open_admin: true to accept an open admin API."
    }

    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

extension ConfigLoader {
    static func auth(_ node: ConfigNode) throws(ConfigError) -> AuthConfig {
        let keys = try node.mapping(allowed: ["admin_key", "required", "open_admin"])
        var auth = AuthConfig()
        if let keyNode = keys["admin_key"], !keyNode.isNull {
            let key = try keyNode.string()
            guard key.count >= 16 else { throw keyNode.fail("an admin key needs 16 characters at least") }
            auth.adminKey = key
        }
        auth.required = try keys["required"].map { (node) throws(ConfigError) in try node.bool() } ?? false
        auth.openAdmin = try keys["open_admin"].map { (node) throws(ConfigError) in try node.bool() } ?? false
        return auth
    }
}
