import Foundation
import KeelCore
import KeelStore
import KeelTestSupport
import Testing

/// The two implementations of the store: every conformance test runs against each.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Where a new, empty store of this backend lives.
    func newLocation() async throws -> StorageConfig {
        switch self {
        case .sqlite:
            return StorageConfig(
                url: "sqlite://" + FileManager.default.temporaryDirectory.appendingPathComponent("keel-store-\(UUID().uuidString)/keel.db").path)
        case .postgres:
            return StorageConfig(url: try await TestPostgres.shared.database())
        }
    }

    /// A new, empty store.
    func open() async throws -> any KeelStorage {
        try await StoreFactory.open(try await newLocation())
    }
}
