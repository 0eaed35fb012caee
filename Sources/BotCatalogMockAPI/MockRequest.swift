/// One request as the server saw it, for tests to assert on what a client sent.
public struct MockRequest: Sendable, Equatable {
    public var method: String
    /// The raw path, without the query, exactly as requested (doubled slashes kept).
    public var path: String
    /// The decoded query parameters; a repeated key keeps its last value.
    public var query: [String: String]
    /// The `Authorization` header, if any.
    public var authorization: String?
    public var receivedAt: ContinuousClock.Instant
    /// The status answered (also for `truncate` and `delay`); 0 for `reset` and `hang`.
    public var status: Int

    public init(
        method: String,
        path: String,
        query: [String: String],
        authorization: String?,
        receivedAt: ContinuousClock.Instant,
        status: Int
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
        self.receivedAt = receivedAt
        self.status = status
    }

    /// `path` with doubled slashes collapsed and no trailing slash, as routes and faults match it.
    public var normalizedPath: String {
        MockPath.normalized(path)
    }

    /// The page asked for; a missing or invalid `page` counts as 1.
    public var page: Int {
        MockPath.page(in: query)
    }
}
