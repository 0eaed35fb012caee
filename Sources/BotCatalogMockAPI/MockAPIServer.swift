import NIOCore
import NIOHTTP1
import NIOPosix

/// The unltd and GPTBots APIs, served over real HTTP/1.1 on loopback.
///
/// ```swift
/// let server = MockAPIServer(world: .demo(day: 1), rateLimit: MockRateLimit(requests: 3, per: .seconds(60)))
/// let port = try await server.start()
/// // point the client at server.unltdURL and server.gptbotsURL
/// server.setWorld(.demo(day: 2))   // the next day's catalog
/// try await server.stop()
/// ```
///
/// Each request is decided in order: it is logged, checked against the rate limit
/// (see `MockRateLimit` for what counts), checked against the faults (the first
/// matching rule with uses left fires and is used up by one), then routed.
public final class MockAPIServer: Sendable {
    private let state: LockedValue<MockServerState>
    private let lifecycle = LockedValue<Lifecycle>(.idle)

    private enum Lifecycle: Sendable {
        case idle
        case starting
        case running(Listener)
    }

    private struct Listener: Sendable {
        let group: MultiThreadedEventLoopGroup
        let channel: any Channel
        let host: String
        let port: Int
    }

    public init(
        world: MockWorld,
        rateLimit: MockRateLimit? = nil,
        faults: [MockFault] = [],
        faultSeed: UInt64 = 42
    ) {
        state = LockedValue(
            MockServerState(world: world, rateLimit: rateLimit, faults: faults, faultSeed: faultSeed))
    }

    /// Binds and starts serving; returns the bound port (pass 0 for any free port).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        try lifecycle.withLock { lifecycle in
            guard case .idle = lifecycle else { throw MockAPIServerError.alreadyStarted }
            lifecycle = .starting
        }
        // A group of its own, so `stop()` can close every connection (hung ones
        // included) and cancel pending delayed answers by shutting it down.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: min(System.coreCount, 4))
        do {
            let state = self.state
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(MockHTTPHandler(state: state))
                    }
                }
                .bind(host: host, port: port)
                .get()
            guard let boundPort = channel.localAddress?.port else {
                throw MockAPIServerError.noLocalAddress
            }
            let listener = Listener(group: group, channel: channel, host: host, port: boundPort)
            lifecycle.withLock { $0 = .running(listener) }
            return boundPort
        } catch {
            try? await group.shutdownGracefully()
            lifecycle.withLock { $0 = .idle }
            throw error
        }
    }

    /// Closes the listener and every connection, including hung ones, and drops
    /// pending delayed answers. Does nothing if the server is not running.
    public func stop() async throws {
        let listener: Listener? = lifecycle.withLock { lifecycle in
            guard case .running(let listener) = lifecycle else { return nil }
            lifecycle = .idle
            return listener
        }
        guard let listener else { return }
        try? await listener.channel.close()
        // Shutting the group down closes all its channels and cancels scheduled tasks.
        try await listener.group.shutdownGracefully()
    }

    /// The bound port while running.
    public var port: Int? {
        listener?.port
    }

    /// `http://127.0.0.1:PORT/unltd/v1`, the base URL an unltd client is given.
    public var unltdURL: String {
        baseURL + "/unltd/v1"
    }

    /// `http://127.0.0.1:PORT/gptbots/v1`, the base URL a GPTBots client is given.
    public var gptbotsURL: String {
        baseURL + "/gptbots/v1"
    }

    /// Replaces what is served, e.g. with the next day's catalog. Faults, rate limit
    /// and log are kept.
    public func setWorld(_ world: MockWorld) {
        let served = ServedWorld(world)
        state.withLock { $0.world = served }
    }

    /// The world as currently served, including changes made by `mutateWorld` faults.
    public var world: MockWorld {
        state.withLock { $0.world.world }
    }

    /// Replaces the fault rules (with fresh `times`) and reseeds their generator.
    public func setFaults(_ faults: [MockFault]) {
        state.withLock { $0.setFaults(faults) }
    }

    /// Replaces the rate limit and forgets the requests counted so far.
    public func setRateLimit(_ limit: MockRateLimit?) {
        state.withLock { $0.setRateLimit(limit) }
    }

    /// Every request, in arrival order.
    public var requests: [MockRequest] {
        state.withLock { $0.log }
    }

    public func resetLog() {
        state.withLock { $0.log.removeAll() }
    }

    private var listener: Listener? {
        lifecycle.withLock { lifecycle in
            guard case .running(let listener) = lifecycle else { return nil }
            return listener
        }
    }

    private var baseURL: String {
        let listener = self.listener
        let host = listener?.host ?? "127.0.0.1"
        // An IPv6 literal needs brackets in a URL.
        let urlHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(urlHost):\(listener?.port ?? 0)"
    }
}

/// Why a mock server could not start.
public enum MockAPIServerError: Error, Equatable, Sendable {
    /// `start()` was called on a server that is already running or starting.
    case alreadyStarted
    /// The socket bound but reported no local port.
    case noLocalAddress
}
