/// Runs `operation` and cancels it if it has not finished within `milliseconds`.
func withTimeout<T: Sendable>(
    milliseconds: Int, onTimeout timeoutError: @autoclosure () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(milliseconds))
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
    guard let outcome else {
        try Task.checkCancellation()
        throw timeoutError()
    }
    return outcome
}
