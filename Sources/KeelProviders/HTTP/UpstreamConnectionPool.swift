import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Keep-alive HTTP/1.1 connections to providers: at most `maxConnectionsPerOrigin` open to
/// each origin (per route: an origin reached through a proxy is pooled apart), idle ones reused
/// (on the caller's own event loop first, so the exchange needs no thread hop), requests beyond
/// the limit queued in order. Through a proxy, an https origin is reached by a CONNECT tunnel
/// with TLS to the origin inside it; an http origin by requests in absolute form to the proxy.
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

    /// A connection to use, and whether it carried an earlier exchange.
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

    private struct RouteState {
        var idle: [Idle] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
    }

    private struct State {
        var routes: [UpstreamRoute: RouteState] = [:]
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

    func lease(_ route: UpstreamRoute) async throws -> Lease {
        let (grant, expired) = try takeIdleOrSlot(route)
        for connection in expired { connection.close() }
        switch grant {
        case .reuse(let connection)?:
            return Lease(connection: connection, reused: true)
        case .connect?:
            return Lease(connection: try await connect(route), reused: false)
        case nil:
            switch try await waitForGrant(route) {
            case .reuse(let connection): return Lease(connection: connection, reused: true)
            case .connect: return Lease(connection: try await connect(route), reused: false)
            }
        }
    }

    /// Takes the connection back after an exchange; a connection that cannot carry another is
    /// closed and its slot goes to the next waiting request.
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        let (handOver, keep): ((CheckedContinuation<Grant, any Error>, Grant)?, Bool) = state.withLock { state in
            var entry = state.routes[connection.route, default: RouteState()]
            defer { state.routes[connection.route] = entry }
            let usable = reusable && !state.shutDown
            if !entry.waiters.isEmpty {
                let waiter = entry.waiters.removeFirst()
                return ((waiter.continuation, usable ? .reuse(connection) : .connect), usable)
            }
            if usable {
                entry.idle.append(Idle(connection: connection, since: .now))
            } else {
                entry.open -= 1
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
            let idle = state.routes.values.flatMap { $0.idle.map(\.connection) }
            let waiters = state.routes.values.flatMap { $0.waiters.map(\.continuation) }
            for key in state.routes.keys {
                state.routes[key]?.idle = []
                state.routes[key]?.waiters = []
            }
            for waiter in waiters { waiter.resume(throwing: ShutDown()) }
            return idle
        }
        for connection in idle {
            try? await connection.channel.close()
        }
    }

    private func takeIdleOrSlot(_ key: UpstreamRoute) throws -> (Grant?, [UpstreamConnection]) {
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        let idleTimeout = configuration.idleTimeout
        let limit = configuration.maxConnectionsPerOrigin
        return try state.withLock { state in
            guard !state.shutDown else { throw ShutDown() }
            var entry = state.routes[key, default: RouteState()]
            defer { state.routes[key] = entry }
            let now = ContinuousClock.now
            var expired: [UpstreamConnection] = []
            while let oldest = entry.idle.first, now - oldest.since > idleTimeout {
                expired.append(oldest.connection)
                entry.idle.removeFirst()
                entry.open -= 1
            }
            // A connection on the caller's own event loop answers without a thread hop, so one is
            // opened there while the limit allows, before borrowing an idle one from another loop
            // (a caller on no event loop takes any).
            // Among idle ones the most recently used is the likeliest to be alive.
            if let index = entry.idle.lastIndex(where: { current == nil || $0.connection.eventLoop === current }) {
                return (.reuse(entry.idle.remove(at: index).connection), expired)
            }
            if entry.open < limit {
                entry.open += 1
                return (.connect, expired)
            }
            if let last = entry.idle.popLast() { return (.reuse(last.connection), expired) }
            return (nil, expired)
        }
    }

    private func waitForGrant(_ key: UpstreamRoute) async throws -> Grant {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let cancelled = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.routes[key, default: RouteState()].waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Grant, any Error>? in
                guard let index = state.routes[key]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.routes[key]?.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Opens a connection for a granted slot; on failure the slot is given back.
    private func connect(_ route: UpstreamRoute) async throws -> UpstreamConnection {
        do {
            let connection = try await openChannel(route)
            connection.channel.closeFuture.whenComplete { [weak self] _ in self?.forgetIdle(connection) }
            return connection
        } catch {
            releaseSlot(route)
            throw error
        }
    }

    private func releaseSlot(_ key: UpstreamRoute) {
        let waiter: CheckedContinuation<Grant, any Error>? = state.withLock { state in
            if let first = state.routes[key]?.waiters.first {
                state.routes[key]?.waiters.removeFirst()
                return first.continuation
            }
            state.routes[key]?.open -= 1
            return nil
        }
        waiter?.resume(returning: .connect)
    }

    /// A connection the server closed while it sat idle leaves the pool.
    private func forgetIdle(_ connection: UpstreamConnection) {
        let wasIdle = state.withLock { state -> Bool in
            guard let index = state.routes[connection.route]?.idle.firstIndex(where: { $0.connection === connection }) else { return false }
            state.routes[connection.route]?.idle.remove(at: index)
            return true
        }
        if wasIdle { releaseSlot(connection.route) }
    }

    private func openChannel(_ route: UpstreamRoute) async throws -> UpstreamConnection {
        let origin = route.origin
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        let tls: NIOSSLContext? = origin.tls ? try tlsContext.get() : nil
        let serverName = Self.isIPAddress(origin.host) ? nil : origin.host
        // Through a proxy, an https origin needs its tunnel before TLS and HTTP go on the channel.
        let tunnel = route.tunnel ? route.proxy : nil
        let tunnelOpened = tunnel.map { _ in eventLoop.makePromise(of: Void.self) }
        let connectTimeout = TimeAmount.nanoseconds(
            Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000
                + configuration.connectTimeout.components.attoseconds / 1_000_000_000)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tunnel, let tunnelOpened {
                            let handler = ProxyTunnelHandler(
                                proxy: tunnel, authority: origin.authority, timeout: connectTimeout, opened: tunnelOpened)
                            try channel.pipeline.syncOperations.addHandler(handler)
                        } else {
                            try Self.addExchangeHandlers(to: channel, tls: tls, serverName: serverName)
                        }
                    }
                }
                .connect(host: route.proxy?.host ?? origin.host, port: route.proxy?.port ?? origin.port)
                .get()
        } catch {
            tunnelOpened?.fail(error)
            throw error
        }
        if let tunnelOpened {
            do {
                try await tunnelOpened.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw error
            }
        }
        return try await channel.eventLoop.submit {
            if tunnel != nil { try Self.addExchangeHandlers(to: channel, tls: tls, serverName: serverName) }
            let handler = try channel.pipeline.syncOperations.handler(type: UpstreamExchangeHandler.self)
            return UpstreamConnection(channel: channel, route: route, handler: handler)
        }.get()
    }

    private static func addExchangeHandlers(to channel: any Channel, tls: NIOSSLContext?, serverName: String?) throws {
        if let tls {
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
        }
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.pipeline.syncOperations.addHandler(UpstreamExchangeHandler())
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
