import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Keep-alive HTTP/1.1 connections to providers: at most `maxConnectionsPerOrigin` open to
/// each origin, idle ones reused (on the caller's own event loop first, so the exchange needs
/// no thread hop), requests beyond the limit queued in order.
public final class UpstreamConnectionPool: Sendable {
    public struct Configuration: Sendable {
        public var maxConnectionsPerOrigin: Int
        /// An idle connection older than this is closed instead of reused.
        public var idleTimeout: Duration
        public var connectTimeout: Duration

        public init(maxConnectionsPerOrigin: Int = 64, idleTimeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10)) {
            self.maxConnectionsPerOrigin = max(1, maxConnectionsPerOrigin)
            self.idleTimeout = idleTimeout
            self.connectTimeout = connectTimeout
        }
    }

    /// A connection to use, and whether it carried an earlier exchange (then a failure before
    /// any answer may mean the server had closed it meanwhile).
    struct Lease {
        let connection: UpstreamConnection
        let reused: Bool
    }

    private enum Grant {
        case reuse(UpstreamConnection)
        /// A slot under the limit: open a new connection.
        case connect
    }

    private struct Idle {
        let connection: UpstreamConnection
        let since: ContinuousClock.Instant
    }

    private struct OriginState {
        var idle: [Idle] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
    }

    private struct State {
        var origins: [UpstreamOrigin: OriginState] = [:]
        var nextWaiterID = 0
        var shutDown = false
    }

    public struct ShutDown: Error, CustomStringConvertible {
        public var description: String { "the provider connection pool is shut down" }
    }

    private let state = Mutex(State())
    private let group: any EventLoopGroup
    private let configuration: Configuration
    private let tlsContext: Result<NIOSSLContext, any Error>

    public init(configuration: Configuration = Configuration(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.applicationProtocols = ["http/1.1"]
        tlsContext = Result { try NIOSSLContext(configuration: tls) }
    }

    func lease(_ origin: UpstreamOrigin) async throws -> Lease {
        let (grant, expired) = try takeIdleOrSlot(origin)
        for connection in expired { connection.close() }
        switch grant {
        case .reuse(let connection)?:
            return Lease(connection: connection, reused: true)
        case .connect?:
            return Lease(connection: try await connect(origin), reused: false)
        case nil:
            switch try await waitForGrant(origin) {
            case .reuse(let connection): return Lease(connection: connection, reused: true)
            case .connect: return Lease(connection: try await connect(origin), reused: false)
            }
        }
    }

    /// Takes the connection back after an exchange; a connection that cannot carry another is
    /// closed and its slot goes to the next waiting request.
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        let (handOver, keep): ((CheckedContinuation<Grant, any Error>, Grant)?, Bool) = state.withLock { state in
            var origin = state.origins[connection.origin, default: OriginState()]
            defer { state.origins[connection.origin] = origin }
            let usable = reusable && !state.shutDown
            if !origin.waiters.isEmpty {
                let waiter = origin.waiters.removeFirst()
                return ((waiter.continuation, usable ? .reuse(connection) : .connect), usable)
            }
            if usable {
                origin.idle.append(Idle(connection: connection, since: .now))
            } else {
                origin.open -= 1
            }
            return (nil, usable)
        }
        if !keep { connection.close() }
        if let (continuation, grant) = handOver { continuation.resume(returning: grant) }
    }

    /// Closes every idle connection and refuses new exchanges.
    public func shutdown() async {
        let idle = state.withLock { state in
            state.shutDown = true
            let idle = state.origins.values.flatMap { $0.idle.map(\.connection) }
            let waiters = state.origins.values.flatMap { $0.waiters.map(\.continuation) }
            for key in state.origins.keys {
                state.origins[key]?.idle = []
                state.origins[key]?.waiters = []
            }
            for waiter in waiters { waiter.resume(throwing: ShutDown()) }
            return idle
        }
        for connection in idle {
            try? await connection.channel.close()
        }
    }

    private func takeIdleOrSlot(_ key: UpstreamOrigin) throws -> (Grant?, [UpstreamConnection]) {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        let idleTimeout = configuration.idleTimeout
        let limit = configuration.maxConnectionsPerOrigin
        return try state.withLock { state in
            guard !state.shutDown else { throw ShutDown() }
            var origin = state.origins[key, default: OriginState()]
            defer { state.origins[key] = origin }
            let now = ContinuousClock.now
            var expired: [UpstreamConnection] = []
            while let oldest = origin.idle.first, now - oldest.since > idleTimeout {
                expired.append(oldest.connection)
                origin.idle.removeFirst()
                origin.open -= 1
            }
            // A connection on the caller's own event loop answers without a thread hop, so one is
            // opened there while the limit allows, before borrowing an idle one from another loop
            // (a caller on no event loop takes any).
            // Among idle ones the most recently used is the likeliest to be alive.
            if let index = origin.idle.lastIndex(where: { current == nil || $0.connection.eventLoop === current }) {
                return (.reuse(origin.idle.remove(at: index).connection), expired)
            }
            if origin.open < limit {
                origin.open += 1
                return (.connect, expired)
            }
            if let last = origin.idle.popLast() { return (.reuse(last.connection), expired) }
            return (nil, expired)
        }
    }

    private func waitForGrant(_ key: UpstreamOrigin) async throws -> Grant {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.origins[key, default: OriginState()].waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
                guard let index = state.origins[key]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.origins[key]?.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Opens a connection for a granted slot; on failure the slot is given back.
    private func connect(_ origin: UpstreamOrigin) async throws -> UpstreamConnection {
        do {
            let connection = try await openChannel(origin)
            connection.channel.closeFuture.whenComplete { [weak self] _ in self?.forgetIdle(connection) }
            return connection
        } catch {
            releaseSlot(origin)
            throw error
        }
    }

    private func releaseSlot(_ key: UpstreamOrigin) {
        let waiter: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if let first = state.origins[key]?.waiters.first {
                state.origins[key]?.waiters.removeFirst()
                return first.continuation
            }
            state.origins[key]?.open -= 1
            return nil
        }
        waiter?.resume(returning: .connect)
    }

    /// A connection the server closed while it sat idle leaves the pool.
    private func forgetIdle(_ connection: UpstreamConnection) {
        let wasIdle = state.withLock { state -> Bool in
            guard let index = state.origins[connection.origin]?.idle.firstIndex(where: { $0.connection === connection }) else { return false }
            state.origins[connection.origin]?.idle.remove(at: index)
            return true
        }
        if wasIdle { releaseSlot(connection.origin) }
    }

    private func openChannel(_ origin: UpstreamOrigin) async throws -> UpstreamConnection {
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        let tls: NIOSSLContext? = origin.tls ? try tlsContext.get() : nil
        let serverName = Self.isIPAddress(origin.host) ? nil : origin.host
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000
                + configuration.connectTimeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamExchangeHandler())
                }
            }
            .connect(host: origin.host, port: origin.port)
            .get()
        return try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamExchangeHandler.self)
            return UpstreamConnection(channel: channel, origin: origin, handler: handler)
        }.get()
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
