import Foundation
import KeelCore
import KeelStore
import Testing

@Suite struct RolloutStoreTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(id: String, subject: String = "prompt:support-reply:production", status: RolloutRecord.Status = .active) -> RolloutRecord {
        RolloutRecord(
            id: id, subject: subject, spec: ["id": .string(id), "mode": ["kind": "canary", "steps": [5, 25, 50, 100]]],
            state: ["status": .string(status.rawValue), "step": 0], status: status, createdAt: start, updatedAt: start)
    }

    @Test(arguments: StoreBackend.allCases) func aRolloutIsCreatedReadAndUpdated(backend: StoreBackend) async throws {
        let store = try await backend.open()
        try await store.createRollout(Self.record(id: "ro_1"))
        #expect(try await store.rollout(id: "ro_1") == Self.record(id: "ro_1"))
        #expect(try await store.activeRollout(subject: "prompt:support-reply:production")?.id == "ro_1")
        #expect(try await store.activeRollout(subject: "model:smart") == nil)

        let later = Self.start.addingTimeInterval(60)
        #expect(try await store.updateRollout(id: "ro_1", state: ["status": "active", "step": 1], status: .active, updatedAt: later))
        let updated = try #require(try await store.rollout(id: "ro_1"))
        #expect(updated.state == ["status": "active", "step": 1] && updated.updatedAt == later && updated.createdAt == Self.start)
    }

    @Test(arguments: StoreBackend.allCases) func aSubjectHasOneActiveRolloutAtATime(backend: StoreBackend) async throws {
        let store = try await backend.open()
        try await store.createRollout(Self.record(id: "ro_1"))
        await #expect(throws: RolloutStoreError.activeRolloutExists(subject: "prompt:support-reply:production", id: "ro_1")) {
            try await store.createRollout(Self.record(id: "ro_2"))
        }
        // Another subject may have its own, and an ended rollout frees its subject.
        try await store.createRollout(Self.record(id: "ro_3", subject: "model:smart"))
        try await store.updateRollout(id: "ro_1", state: ["status": "aborted"], status: .aborted, updatedAt: Self.start)
        try await store.createRollout(Self.record(id: "ro_2"))
        #expect(try await store.activeRollout(subject: "prompt:support-reply:production")?.id == "ro_2")
        #expect(try await store.rollouts(status: .active).map(\.id).sorted() == ["ro_2", "ro_3"])
        #expect(try await store.rollouts(status: .aborted).map(\.id) == ["ro_1"])
        #expect(try await store.rollouts(status: nil).count == 3)
    }

    @Test(arguments: StoreBackend.allCases) func anEndedRolloutIsFinal(backend: StoreBackend) async throws {
        let store = try await backend.open()
        try await store.createRollout(Self.record(id: "ro_1"))
        #expect(try await store.updateRollout(id: "ro_1", state: ["status": "aborted"], status: .aborted, updatedAt: Self.start))
        // A process that has not yet seen the abort persists its figures: refused.
        #expect(try await store.updateRollout(id: "ro_1", state: ["status": "active"], status: .active, updatedAt: Self.start) == false)
        #expect(try await store.rollout(id: "ro_1")?.status == .aborted)
        await #expect(throws: RolloutStoreError.rolloutNotFound(id: "ro_9")) {
            try await store.updateRollout(id: "ro_9", state: [:], status: .active, updatedAt: Self.start)
        }
    }

    @Test(arguments: StoreBackend.allCases) func theRevisionChangesOnEveryWriteAndIsSeenByAnotherConnection(backend: StoreBackend) async throws {
        let location = try await backend.newLocation()
        let gateway = try await StoreFactory.open(location)
        let command = try await StoreFactory.open(location)
        let first = try await gateway.rolloutRevision()
        try await command.createRollout(Self.record(id: "ro_1"))
        let afterCreate = try await gateway.rolloutRevision()
        #expect(afterCreate != first)
        try await command.updateRollout(id: "ro_1", state: ["step": 1], status: .active, updatedAt: Self.start)
        let afterUpdate = try await gateway.rolloutRevision()
        #expect(afterUpdate != afterCreate)
        #expect(try await gateway.rolloutRevision() == afterUpdate)
        #expect(try await gateway.rollout(id: "ro_1")?.state == ["step": 1])
    }

    @Test(arguments: StoreBackend.allCases) func stateSurvivesReopeningTheDatabase(backend: StoreBackend) async throws {
        let location = try await backend.newLocation()
        do {
            let store = try await StoreFactory.open(location)
            try await store.createRollout(Self.record(id: "ro_1"))
            try await store.updateRollout(
                id: "ro_1", state: ["status": "active", "step": 2, "figures": [1, 2.5]], status: .active, updatedAt: Self.start)
            try await store.recordShadowPair(
                ShadowPair(id: "sp_1", rolloutID: "ro_1", stableTraceID: "t1", candidateTraceID: "t2", similarity: 0.8, createdAt: Self.start))
        }
        let reopened = try await StoreFactory.open(location)
        let record = try #require(try await reopened.activeRollout(subject: "prompt:support-reply:production"))
        #expect(record.state == ["status": "active", "step": 2, "figures": [1, 2.5]])
        #expect(record.spec == Self.record(id: "ro_1").spec)
        #expect(try await reopened.shadowPairs(rolloutID: "ro_1", limit: 10).map(\.id) == ["sp_1"])
    }

    @Test(arguments: StoreBackend.allCases) func shadowPairsAreListedNewestFirst(backend: StoreBackend) async throws {
        let store = try await backend.open()
        for index in 0..<5 {
            try await store.recordShadowPair(
                ShadowPair(
                    rolloutID: index == 4 ? "ro_other" : "ro_1", stableTraceID: "s\(index)", candidateTraceID: "c\(index)",
                    similarity: index == 0 ? nil : Double(index) / 10, createdAt: Self.start.addingTimeInterval(Double(index))))
        }
        let pairs = try await store.shadowPairs(rolloutID: "ro_1", limit: 3)
        #expect(pairs.map(\.stableTraceID) == ["s3", "s2", "s1"])
        #expect(pairs.first?.similarity == 0.3 && pairs.first?.candidateTraceID == "c3")
        #expect(try await store.shadowPairs(rolloutID: "ro_1", limit: 10).last?.similarity == nil)
    }
}
