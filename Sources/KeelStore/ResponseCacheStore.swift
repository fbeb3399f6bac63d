import Foundation
import GRDB
import KeelCore

/// A cached answer as stored: the whole completion (a streamed one assembled), with what it
/// cost, so a hit can record the saving.
public struct CachedResponse: Sendable, Equatable {
    public var key: String
    public var model: String
    public var provider: String?
    public var upstreamModel: String?
    public var response: JSONValue
    public var costUSD: Double?
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        key: String, model: String, provider: String?, upstreamModel: String?, response: JSONValue, costUSD: Double?, createdAt: Date,
        expiresAt: Date
    ) {
        self.key = key
        self.model = model
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.response = response
        self.costUSD = costUSD
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// The persisted side of the response cache: it survives a restart.
public protocol ResponseCacheStore: Sendable {
    func cachedResponse(key: String, now: Date) async throws -> CachedResponse?
    func storeResponse(_ response: CachedResponse) async throws
    /// Deletes expired answers; returns how many.
    func purgeExpiredResponses(now: Date) async throws -> Int
}

extension SQLiteTraceStore: ResponseCacheStore {
    public func cachedResponse(key: String, now: Date) async throws -> CachedResponse? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM response_cache WHERE key = ? AND expires_at > ?", arguments: [key, StoredTime.micros(now)])
                .map(StoredRecords.cachedResponse)
        }
    }

    public func storeResponse(_ response: CachedResponse) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO response_cache (key, model, provider, upstream_model, response, cost_usd, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    response.key, response.model, response.provider, response.upstreamModel, response.response.encodedString(),
                    response.costUSD, StoredTime.micros(response.createdAt), StoredTime.micros(response.expiresAt),
                ])
        }
    }

    public func purgeExpiredResponses(now: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM response_cache WHERE expires_at <= ?", arguments: [StoredTime.micros(now)])
            return db.changesCount
        }
    }
}
