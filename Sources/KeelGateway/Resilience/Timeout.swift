import Synchronization

/// Runs `operation` and cancels it if it has not finished within `milliseconds`.
func withTimeout<T: Sendable>(
    milliseconds: Int, onTimeout timeoutError: @autoclosure () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    /// Whether the operation finished, and whether the timer cancelled it before it did.
    let progress = Mutex<(finished: Bool, cancelled: Bool)>((false, false))
    let work = Task(executorPreference: EventLoopTaskExecutor.current) {
        let value = try await operation()
        progress.withLock { $0.finished = true }
        return value
    }
    let timer = CancellationTimer()
    timer.onFire {
        let cancel = progress.withLock { progress -> Bool in
            guard !progress.finished else { return false }
            progress.cancelled = true
            return true
        }
        if cancel { work.cancel() }
    }
    timer.arm(milliseconds: milliseconds)
    defer { timer.disarm() }
    let value: T
    do {
        value = try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
    } catch {
        if timer.fired && !Task.isCancelled { throw timeoutError() }
        throw error
    }
    // Cancelled by the timer but returned anyway: what it returned may hang on cancelled work
    // (a stream whose connection the cancellation closed), so it counts as a timeout.
    if progress.withLock({ $0.cancelled }) && !Task.isCancelled { throw timeoutError() }
    return value
}
