/// What the server does instead of (or on top of) answering a request normally.
public enum MockFaultAction: Sendable {
    /// Answer with this HTTP status; the body defaults to `{"code":N,"message":"<reason>"}`.
    case status(Int, body: String? = nil)
    /// 429 with this literal `Retry-After` value, including malformed ones.
    case tooManyRequests(retryAfter: String)
    /// 429 with `Retry-After` as the HTTP-date this long after the refusal, worked out when it
    /// refuses (a date fixed beforehand would age on a slow machine).
    case tooManyRequestsUntil(Duration)
    /// Send headers with the full `Content-Length` but only half the body, then close:
    /// the client must notice the short read rather than accept a cut-off page.
    case truncate
    /// 200 with a body that is not valid JSON.
    case invalidJSON
    /// Close the connection without any response.
    case reset
    /// Accept the request and never answer, until the client gives up or the server stops.
    case hang
    /// Answer normally after this delay (the answer is decided on arrival).
    case delay(Duration)
    /// Answer normally, then apply this change: for "the list shifted while paging" tests.
    case mutateWorld(@Sendable (inout MockWorld) -> Void)
}

/// A rule that injects a fault into matching requests.
public struct MockFault: Sendable {
    /// Matches the normalized request path (doubled slashes collapsed, trailing slash
    /// ignored) exactly, or as a prefix when it ends with `*`,
    /// e.g. `/unltd/v1/organizations/*`.
    public var path: String
    /// When set, only requests with `?page=` this (a missing page counts as 1).
    public var page: Int?
    /// How many matching requests it applies to; `Int.max` for a permanent fault.
    public var times: Int
    /// 1 applies to every match; less draws from the server's seeded generator, so a
    /// load test with random faults replays identically for the same `faultSeed`.
    public var probability: Double
    public var action: MockFaultAction

    public init(
        path: String,
        page: Int? = nil,
        times: Int = 1,
        probability: Double = 1,
        action: MockFaultAction
    ) {
        self.path = path
        self.page = page
        self.times = times
        self.probability = probability
        self.action = action
    }

    /// Whether the rule targets this request, before `times` and `probability` are considered.
    func matches(normalizedPath: String, page requestPage: Int) -> Bool {
        if let page, page != requestPage { return false }
        if path.hasSuffix("*") {
            let prefix = MockPath.normalizedPrefix(String(path.dropLast()))
            return normalizedPath.hasPrefix(prefix)
        }
        return normalizedPath == MockPath.normalized(path)
    }
}

/// A fault rule and how many more requests it may still fire on.
struct ArmedFault: Sendable {
    let rule: MockFault
    var remaining: Int

    init(_ rule: MockFault) {
        self.rule = rule
        self.remaining = max(rule.times, 0)
    }
}

extension [ArmedFault] {
    /// The action of the first rule that matches, still has uses left and wins its
    /// probability draw; that rule is used up by one. A rule that loses its draw is
    /// passed over so later rules get their chance.
    mutating func fire(
        normalizedPath: String,
        page: Int,
        using generator: inout SplitMix64
    ) -> MockFaultAction? {
        for index in indices {
            let armed = self[index]
            guard armed.remaining > 0,
                armed.rule.matches(normalizedPath: normalizedPath, page: page)
            else { continue }
            // Draw only for partial probabilities, so adding a certain fault never
            // changes which random faults fire later.
            if armed.rule.probability < 1 {
                guard generator.nextUnitDouble() < armed.rule.probability else { continue }
            }
            if armed.remaining != Int.max { self[index].remaining -= 1 }
            return armed.rule.action
        }
        return nil
    }
}
