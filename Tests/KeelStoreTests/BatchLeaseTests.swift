import Foundation
import KeelCore
import KeelStore
import Testing

/// One process of a fleet runs a batch at a time: the lease decides which, and passes to
/// another when its holder stops renewing it or gives it up.
@Suite struct BatchLeaseTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreBackend.allCases) func aLeaseIsHeldByOneHolderUntilItRunsOutOrIsGivenUp(backend: StoreBackend) async throws {
        let store = try await backend.open()
        var batch = StoredBatch(
            id: "batch_1", endpoint: "/v1/chat/completions", inputFileID: "file-1", completionWindow: "24h", status: .inProgress,
            createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(86_400))
        try await store.saveBatch(batch)
        let later = { (seconds: Double) in Self.now.addingTimeInterval(seconds) }
        #expect(try await store.leaseBatch(id: "batch_1", holder: "a", until: later(30), now: Self.now))
        #expect(try await store.leaseBatch(id: "batch_1", holder: "b", until: later(40), now: later(10)) == false)
        // Saving the batch's progress keeps the lease.
        batch.completed = 5
        try await store.saveBatch(batch)
        #expect(try await store.leaseBatch(id: "batch_1", holder: "b", until: later(40), now: later(20)) == false)
        #expect(try await store.leaseBatch(id: "batch_1", holder: "a", until: later(50), now: later(20)), "the holder renews")
        // Not renewed in time: another takes it, and the first can no longer renew.
        #expect(try await store.leaseBatch(id: "batch_1", holder: "b", until: later(90), now: later(60)))
        #expect(try await store.leaseBatch(id: "batch_1", holder: "a", until: later(100), now: later(70)) == false)
        // Given up: taken at once.
        try await store.releaseBatch(id: "batch_1", holder: "a")
        #expect(try await store.leaseBatch(id: "batch_1", holder: "c", until: later(100), now: later(70)) == false, "only the holder gives it up")
        try await store.releaseBatch(id: "batch_1", holder: "b")
        #expect(try await store.leaseBatch(id: "batch_1", holder: "c", until: later(100), now: later(70)))
        #expect(try await store.leaseBatch(id: "nope", holder: "c", until: later(100), now: later(70)) == false)
        #expect(try await store.batch(id: "batch_1")?.completed == 5)
    }
}
