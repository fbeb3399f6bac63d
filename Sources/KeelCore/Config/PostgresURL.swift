import Foundation

/// `storage.url` for PostgreSQL: `postgres://USER:PASSWORD@HOST:PORT/DB` (or `postgresql://`),
/// with `sslmode` (`disable`, `prefer`, `require`; `verify-full` is `require` with the
/// certificate and host checked) and `pool_size` (connections per process, 10 by default) as
/// query parameters. The password is never part of a description or an error.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var poolSize: Int

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func isPostgres(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws(Invalid) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw Invalid(description: "expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw Invalid(description: "the PostgreSQL URL names no database (…/DATABASE)") }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        sslMode = .prefer
        poolSize = 10
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw Invalid(description: "sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "pool_size":
                guard let size = item.value.flatMap(Int.init), (1...200).contains(size) else {
                    throw Invalid(description: "pool_size must be a whole number from 1 to 200")
                }
                poolSize = size
            default:
                throw Invalid(description: "unknown PostgreSQL URL parameter '\(item.name)' (expected sslmode or pool_size)")
            }
        }
    }

    /// The URL with its password masked, for logs and errors.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)&pool_size=\(poolSize)"
    }

    /// `url` with anything between `://` and `@` (its credentials) masked, for messages.
    public static func redacting(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", options: .backwards, range: scheme.upperBound..<url.endIndex) else {
            return url
        }
        return url.replacingCharacters(in: scheme.upperBound..<at.lowerBound, with: "***")
    }

    /// The same server and credentials, another database (tests make one per store).
    public func with(database: String) -> PostgresURL {
        var url = self
        url.database = database
        return url
    }
}
