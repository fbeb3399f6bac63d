import Foundation
import KeelStore
import Testing

@Suite struct APIKeyStoreTests {
    @Test(arguments: StoreBackend.allCases) func keysAreStoredHashedFoundByHashAndRevoked(backend: StoreBackend) async throws {
        let store = try await backend.open()
        #expect(try await store.hasKeys() == false)
        let (key, secret) = APIKeySecret.mint(
            name: "team-a", team: "growth", budget: APIKey.Budget(parsing: "50usd/month"), rpm: 600, models: ["smart"])
        #expect(key.hash == APIKeySecret.hash(secret) && key.hash != secret && key.prefix == String(secret.prefix(12)))
        try await store.createKey(key)
        #expect(try await store.hasKeys())
        let found = try #require(try await store.key(hash: APIKeySecret.hash(secret)))
        #expect(found.name == "team-a" && found.team == "growth" && found.rpm == 600 && found.models == ["smart"])
        #expect(found.budget == APIKey.Budget(usd: 50, period: .month))
        #expect(found.allows(model: "smart") && !found.allows(model: "cheap"))

        await #expect(throws: APIKeyNameTaken.self) { try await store.createKey(APIKeySecret.mint(name: "team-a").key) }
        #expect(try await store.revokeKey("team-a"))
        #expect(try await store.revokeKey("team-a") == false)
        #expect(try await store.key(hash: key.hash)?.isActive == false)
        #expect(try await store.hasKeys())
        #expect(try await store.keys(includingRevoked: false).isEmpty)
        #expect(try await store.keys(includingRevoked: true).count == 1)
        // A revoked name may be used again.
        try await store.createKey(APIKeySecret.mint(name: "team-a").key)
        #expect(try await store.keys(includingRevoked: false).count == 1)
    }

    /// The admin API takes any positive 64-bit limit: every store keeps it (PostgreSQL's were
    /// 32-bit columns, and a tokens-per-minute limit of a trillion failed there).
    @Test(arguments: StoreBackend.allCases) func limitsAsLargeAsTheAPITakesAreKept(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let (key, secret) = APIKeySecret.mint(name: "bulk", rpm: 1_000_000_000_000, tpm: Int.max)
        try await store.createKey(key)
        let found = try #require(try await store.key(hash: APIKeySecret.hash(secret)))
        #expect(found.rpm == 1_000_000_000_000 && found.tpm == Int.max)
    }

    @Test(arguments: [
        ("50usd/month", APIKey.Budget(usd: 50, period: .month)), ("5usd/day", APIKey.Budget(usd: 5, period: .day)),
        ("$12.5/day", APIKey.Budget(usd: 12.5, period: .day)), ("50 USD / Month", APIKey.Budget(usd: 50, period: .month)),
    ])
    func budgetsParse(text: String, budget: APIKey.Budget) {
        #expect(APIKey.Budget(parsing: text) == budget)
    }

    @Test(arguments: ["50", "50usd", "50usd/week", "-5usd/day", "0usd/day", "usd/day", "50eur/month"])
    func badBudgetsAreRefused(text: String) {
        #expect(APIKey.Budget(parsing: text) == nil)
    }

    @Test func secretsAreRandomAndLong() {
        let secrets = Set((0..<100).map { _ in APIKeySecret.generate() })
        #expect(secrets.count == 100)
        #expect(secrets.allSatisfy { $0.count == 48 && $0.hasPrefix("sk-keel-") })
    }
}

@Suite struct KeyHashTests {
    /// The stored hash is SHA-256 in hex: keys stored before keep matching (FIPS 180-2's "abc").
    @Test func aKeyIsHashedWithSHA256() {
        #expect(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
