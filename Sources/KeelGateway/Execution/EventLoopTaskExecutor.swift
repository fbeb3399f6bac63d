import NIOCore

/// Runs tasks on one event loop as their preferred task executor.
///
/// NIO's hook for the global executor runs every job as the loop's *serial* executor, which a
/// call into a nonisolated async function must leave and enter again: a trip through the back
/// of the loop's queue for each such call. Tasks that prefer this executor switch in place, so
/// a relay runs through every chunk it already has before the writer takes its turn, and a
/// burst goes to the client in one write.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The executor of the request being answered, for the tasks it starts (an unstructured
    /// task does not inherit its creator's preference).
    @TaskLocal public static var current: EventLoopTaskExecutor?

    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
