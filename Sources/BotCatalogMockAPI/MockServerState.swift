/// A request as the HTTP handler hands it over, before anything is decided.
struct IncomingRequest: Sendable {
    var method: String
    /// The request target: path and query.
    var target: String
    var authorization: String?
    var receivedAt: ContinuousClock.Instant
}

/// What the HTTP handler should do with a request.
enum MockReply: Sendable, Equatable {
    case respond(MockResponse)
    case respondLater(MockResponse, after: Duration)
    /// Headers with the full `Content-Length`, half the body, then close.
    case truncate(MockResponse)
    /// Close without answering.
    case reset
    /// Never answer.
    case hang

    /// The status logged for this reply; 0 when no status line is ever sent.
    var loggedStatus: Int {
        switch self {
        case .respond(let response), .respondLater(let response, _), .truncate(let response):
            response.status
        case .reset, .hang:
            0
        }
    }
}

/// Everything mutable about a mock server, changed only under its lock, so each
/// request's answer is decided atomically and the log is in arrival order.
struct MockServerState: Sendable {
    var world: ServedWorld
    var faults: [ArmedFault]
    var faultGenerator: SplitMix64
    let faultSeed: UInt64
    var rateLimit: MockRateLimit?
    /// One window per platform prefix (`unltd`, `gptbots`).
    var windows: [String: SlidingWindow] = [:]
    var log: [MockRequest] = []

    init(world: MockWorld, rateLimit: MockRateLimit?, faults: [MockFault], faultSeed: UInt64) {
        self.world = ServedWorld(world)
        self.faults = faults.map(ArmedFault.init)
        self.faultGenerator = SplitMix64(seed: faultSeed)
        self.faultSeed = faultSeed
        self.rateLimit = rateLimit
    }

    mutating func setFaults(_ faults: [MockFault]) {
        self.faults = faults.map(ArmedFault.init)
        // Reseeding makes each fault list replay the same way, whatever ran before.
        faultGenerator = SplitMix64(seed: faultSeed)
    }

    mutating func setRateLimit(_ limit: MockRateLimit?) {
        rateLimit = limit
        windows = [:]
    }

    /// Decides the answer: log, rate limit, faults (the first matching rule with uses
    /// left), then the route.
    mutating func reply(to request: IncomingRequest) -> MockReply {
        let (path, query) = MockPath.split(target: request.target)
        let normalizedPath = MockPath.normalized(path)
        let reply = decide(request, normalizedPath: normalizedPath, query: query)
        log.append(
            MockRequest(
                method: request.method,
                path: path,
                query: query,
                authorization: request.authorization,
                receivedAt: request.receivedAt,
                status: reply.loggedStatus
            ))
        return reply
    }

    private mutating func decide(
        _ request: IncomingRequest,
        normalizedPath: String,
        query: [String: String]
    ) -> MockReply {
        if let rateLimit {
            let platform = MockPath.segments(normalizedPath).first ?? ""
            if let wait = windows[platform, default: SlidingWindow()].admit(at: request.receivedAt, limit: rateLimit) {
                let retryAfter = RetryAfter.headerValue(for: wait, asHTTPDate: rateLimit.retryAfterAsHTTPDate)
                return .respond(.tooManyRequests(retryAfter: retryAfter))
            }
        }

        let servedWorld = world
        let routed = {
            MockRouter.response(
                method: request.method,
                normalizedPath: normalizedPath,
                query: query,
                authorization: request.authorization,
                world: servedWorld
            )
        }
        let page = MockPath.page(in: query)
        guard let action = faults.fire(normalizedPath: normalizedPath, page: page, using: &faultGenerator) else {
            return .respond(routed())
        }

        switch action {
        case .status(let status, let body):
            if let body {
                return .respond(MockResponse(status: status, body: Array(body.utf8)))
            }
            return .respond(.error(status: status))
        case .tooManyRequests(let retryAfter):
            return .respond(.tooManyRequests(retryAfter: retryAfter))
        case .tooManyRequestsUntil(let wait):
            return .respond(.tooManyRequests(retryAfter: RetryAfter.headerValue(for: wait, asHTTPDate: true)))
        case .truncate:
            return .truncate(routed())
        case .invalidJSON:
            return .respond(.invalidJSON)
        case .reset:
            return .reset
        case .hang:
            return .hang
        case .delay(let delay):
            return .respondLater(routed(), after: delay)
        case .mutateWorld(let change):
            let response = routed()
            // Runs under the server's lock: the closure must not call back into the server.
            var changed = world.world
            change(&changed)
            world = ServedWorld(changed)
            return .respond(response)
        }
    }
}
