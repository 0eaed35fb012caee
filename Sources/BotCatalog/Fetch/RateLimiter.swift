/// A token bucket with a burst of one: requests are spaced at least `interval` apart, plus
/// `headroom`, and never more than the limit's `requests` go within one window, counted the
/// way the server counts them.
///
/// Callers reserve a slot and sleep until it, so waiting never spins; a 429 pushes
/// every later slot back to the server's `Retry-After`. Then `admit()` checks the window and
/// `ended(_:)` is told when the answer is in.
public actor RateLimiter {
    /// Slots are this much wider than the limit allows, so a server counting fixed windows
    /// does not see one request too many, and `admit()` rarely has to hold one back.
    public static let headroom = 1.02

    /// A request let through by `admit()`; hand it to `ended(_:)` once its exchange is over.
    public struct Ticket: Sendable {
        fileprivate let number: UInt64
    }

    private let interval: Duration
    private let window: Duration
    private let requestsPerWindow: Int
    private let clock = ContinuousClock()
    private var nextSlot: ContinuousClock.Instant
    /// The last `requestsPerWindow` requests let through, oldest first, and when each ended
    /// (nil while still in flight).
    private var recent: [(number: UInt64, ended: ContinuousClock.Instant?)] = []
    private var admitted: UInt64 = 0
    private var lastAdmission: ContinuousClock.Instant

    public init(_ limit: RateLimit?) {
        if let limit {
            interval = .nanoseconds(Int64(limit.interval * Self.headroom * 1_000_000_000))
            window = .nanoseconds(Int64(limit.perSeconds * 1_000_000_000))
            requestsPerWindow = limit.requests
        } else {
            interval = .zero
            window = .zero
            requestsPerWindow = 0
        }
        nextSlot = clock.now
        lastAdmission = clock.now - interval
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

    /// Waits, if need be, until the request `requests` places earlier ended a full window ago,
    /// and `interval` has passed since the last request went.
    ///
    /// Spacing the slots is not enough: the server stamps arrivals, and a request held up on
    /// the way (a connection being set up, a busy machine) is stamped late, so the one a
    /// window after it can arrive inside the window and be refused. An answer proves the
    /// server had stamped its request by then, so counting from the answer holds the window
    /// however late the stamp was. The interval check spreads out requests that were held
    /// back together.
    public func admit() async throws -> Ticket {
        while requestsPerWindow > 0 {
            let now = clock.now
            var wait = (lastAdmission + interval) - now
            if recent.count >= requestsPerWindow {
                if let ended = recent[0].ended {
                    wait = max(wait, ended + window - now)
                } else {
                    // Still in flight (slow, or hung until its timeout): look again shortly.
                    wait = max(wait, .milliseconds(20))
                }
            }
            if wait <= .zero { break }
            try await Task.sleep(for: wait)
        }
        admitted += 1
        lastAdmission = clock.now
        if requestsPerWindow > 0 {
            recent.append((admitted, nil))
            if recent.count > requestsPerWindow { recent.removeFirst() }
        }
        return Ticket(number: admitted)
    }

    /// Records that the request's exchange is over: answered, failed or timed out.
    public func ended(_ ticket: Ticket) {
        if let index = recent.firstIndex(where: { $0.number == ticket.number }) {
            recent[index].ended = clock.now
        }
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
