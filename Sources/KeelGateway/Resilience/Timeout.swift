/// Runs `operation` and cancels it if it has not finished within `milliseconds`.
func withTimeout<T: Sendable>(
    milliseconds: Int, onTimeout timeoutError: @autoclosure () -> any Error,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let timer = CancellationTimer()
    let work = Task(executorPreference: EventLoopTaskExecutor.current) {
        let value = try await operation()
        timer.workEnded()
        return value
    }
    timer.guarding(work)
    timer.arm(milliseconds: milliseconds)
    defer { timer.disarm() }
    let value: T
    do {
        value = try await withTaskCancellationHandler {
            try await work.value
        } onCancel: {
            work.cancel()
        }
    } catch {
        if timer.fired && !Task.isCancelled { throw timeoutError() }
        throw error
    }
    // Cancelled by the timer but returned anyway: what it returned may hang on cancelled work
    // (a stream whose connection the cancellation closed), so it counts as a timeout.
    if timer.fired && !Task.isCancelled { throw timeoutError() }
    return value
}
