import Foundation
import NIOCore
import NIOPosix

/// Runs Swift Concurrency's global jobs on SwiftNIO's event loops, as NIO's own
/// `unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor` does (the same
/// runtime hook), with one difference that matters on the request path: NIO runs each job as a
/// job of its event loop's serial executor, so every call into a nonisolated async function
/// saw a change of executor and went round the loop's task queue, about 75 times per proxied
/// request. A stream's relay and its writer interleaved at each of those turns, and a burst of
/// chunks went out one system call per chunk. Here a job runs on the global concurrent
/// executor, as on Swift's own pool, so those calls continue in place (about 4 jobs per request).
enum EventLoopGlobalExecutor {
    private typealias EnqueueHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Call once, first thing in `main`. Returns false, and changes nothing, where the
    /// runtime has no hook or another executor took it already.
    @discardableResult
    static func install() -> Bool {
        guard let slot = dlsym(dlopen(nil, RTLD_NOW), "swift_task_enqueueGlobal_hook")?.assumingMemoryBound(to: UnsafeRawPointer?.self),
            slot.pointee == nil
        else { return false }
        let hook: EnqueueHook = { job, _ in
            // Sticky: a job enqueued on an event loop thread stays on that loop, with the
            // sockets it works on; one from elsewhere goes to the next loop.
            let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
            loop.execute { job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor()) }
        }
        slot.pointee = unsafeBitCast(hook, to: UnsafeRawPointer.self)
        return true
    }
}
