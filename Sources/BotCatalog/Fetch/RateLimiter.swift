/// A token bucket with a burst of one: requests are spaced at least `interval` apart, plus
/// `headroom`, which stays within the limit however the server counts its window.
///
/// Callers reserve a slot and sleep until it, so waiting never spins; a 429 pushes
/// every later slot back to the server's `Retry-After`.
public actor RateLimiter {
    /// Slots are this much wider than the limit allows. The server counts arrivals, not
    /// departures: the first request on a new connection arrives late (the connection is
    /// set up first), so at exactly the limit the request one window later arrives a few
    /// milliseconds too early and is refused with 429. 5% gives a window of `per` seconds
    /// `per / 20` seconds of slack.
    public static let headroom = 1.05

    private let interval: Duration
    private let clock = ContinuousClock()
    private var nextSlot: ContinuousClock.Instant

    public init(_ limit: RateLimit?) {
        if let limit {
            interval = .nanoseconds(Int64(limit.interval * Self.headroom * 1_000_000_000))
        } else {
            interval = .zero
        }
        nextSlot = clock.now
    }

    /// Reserves the next free slot; returns how long the caller must wait for it.
    public func reserve() -> Duration {
        let now = clock.now
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        return slot - now
    }

    /// Holds every request back until `delay` from now (the server said so).
    public func pause(for delay: Duration) {
        let until = clock.now + delay
        if until > nextSlot { nextSlot = until }
    }
}

/// Bounds how many requests are in flight at once, across all sources.
actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = max(1, permits) }

    func wait() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func signal() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
