import Foundation

/// A sliding-window rate limit, like the GPTBots free plan's "3 requests per minute".
///
/// More than `requests` admitted requests within any window of length `per` answers
/// 429 with a `Retry-After` header and `{"code":429,"message":"Too many requests"}`.
/// Each platform prefix (`/unltd`, `/gptbots`) has its own window.
///
/// Only admitted requests count: a request refused with 429 does not push the window
/// further out, so a client that honours `Retry-After` always gets through when it
/// retries. An admitted request counts even if a fault then answers it, because the
/// real server would have counted it too.
public struct MockRateLimit: Sendable, Equatable {
    public var requests: Int
    public var per: Duration
    /// Send `Retry-After` as an HTTP-date instead of delay-seconds (both are valid per RFC 9110).
    public var retryAfterAsHTTPDate: Bool = false

    public init(requests: Int, per: Duration, retryAfterAsHTTPDate: Bool = false) {
        self.requests = requests
        self.per = per
        self.retryAfterAsHTTPDate = retryAfterAsHTTPDate
    }
}

/// The admitted requests of one platform within the last window.
struct SlidingWindow: Sendable {
    private var admitted: [ContinuousClock.Instant] = []

    /// Admits the request (returning `nil`) or returns how long until a slot frees up.
    mutating func admit(at now: ContinuousClock.Instant, limit: MockRateLimit) -> Duration? {
        admitted.removeAll { now - $0 >= limit.per }
        guard admitted.count >= max(limit.requests, 0) else {
            admitted.append(now)
            return nil
        }
        // The oldest admitted request leaves the window first; with `requests == 0`
        // nothing ever gets through, so a full window is the honest answer.
        guard let oldest = admitted.first else { return limit.per }
        return oldest + limit.per - now
    }
}

/// `Retry-After` values as RFC 9110 spells them.
enum RetryAfter {
    /// Whole seconds, rounded up and at least 1, so a client sleeping that long is admitted.
    static func seconds(for wait: Duration) -> Int {
        let (seconds, attoseconds) = wait.components
        let rounded = attoseconds > 0 ? seconds + 1 : seconds
        return max(1, Int(rounded))
    }

    static func headerValue(for wait: Duration, asHTTPDate: Bool, now: Date = Date()) -> String {
        let seconds = seconds(for: wait)
        guard asHTTPDate else { return String(seconds) }
        return httpDate(now.addingTimeInterval(TimeInterval(seconds)))
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), computed by hand so the result
    /// never depends on the process locale or time zone. Sub-second parts round up so
    /// the date is never earlier than the wait.
    static func httpDate(_ date: Date) -> String {
        let epochSeconds = Int(date.timeIntervalSince1970.rounded(.up))
        let days = epochSeconds.floorDiv(86_400)
        let secondOfDay = epochSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday.
        let weekday = ((days % 7) + 7 + 4) % 7
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[weekday]), \(twoDigits(day)) \(months[month - 1]) \(year) "
            + "\(twoDigits(secondOfDay / 3600)):\(twoDigits(secondOfDay % 3600 / 60)):\(twoDigits(secondOfDay % 60)) GMT"
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = z.floorDiv(146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int {
    fileprivate func floorDiv(_ divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
