/// Who may call Keel. `/v1` needs a Keel API key as soon as one exists (or when `required`);
/// `/api`, `/metrics` and the OTLP ingest need `adminKey` whenever it is set or keys exist.
public struct AuthConfig: Sendable, Equatable {
    /// The bearer token of the admin API; usually `${KEEL_ADMIN_KEY}`.
    public var adminKey: String?
    /// Require a key on `/v1` even before any key was created (every request is refused until one is).
    public var required = false

    public init(adminKey: String? = nil, required: Bool = false) {
        self.adminKey = adminKey
        self.required = required
    }
}

extension ConfigLoader {
    static func auth(_ node: ConfigNode) throws(ConfigError) -> AuthConfig {
        let keys = try node.mapping(allowed: ["admin_key", "required"])
        var auth = AuthConfig()
        if let keyNode = keys["admin_key"], !keyNode.isNull {
            let key = try keyNode.string()
            guard key.count >= 16 else { throw keyNode.fail("an admin key needs 16 characters at least") }
            auth.adminKey = key
        }
        auth.required = try keys["required"].map { (node) throws(ConfigError) in try node.bool() } ?? false
        return auth
    }
}
