/// What the fetch stage tells the outside world while it works. The core never prints:
/// the executable turns these into a progress line on a terminal, or nothing in cron.
public enum FetchEvent: Sendable {
    /// One HTTP exchange finished (status 0 when no response came).
    case request(source: String, method: String, path: String, status: Int, milliseconds: Int)
    /// A listing advanced: pages done out of the total known so far.
    case progress(source: String, pagesDone: Int, pagesTotal: Int, bots: Int)
    /// Requests of this source are held back by its rate limit or a 429.
    case waiting(source: String, seconds: Double, reason: String)
    /// A request failed and will be retried.
    case retry(source: String, path: String, attempt: Int, reason: String)
    /// A source is done.
    case finished(SourceStatus)
}

/// Receives fetch events; must be cheap and thread-safe.
public typealias FetchEventSink = @Sendable (FetchEvent) -> Void
