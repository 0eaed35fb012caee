import Foundation

/// A request rate such as `3/min`, `60/min` or `10/s`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var requests: Int
    public var perSeconds: Double

    public init(requests: Int, perSeconds: Double) {
        self.requests = requests
        self.perSeconds = perSeconds
    }

    /// Seconds between two requests when spread evenly.
    public var interval: Double { perSeconds / Double(requests) }

    public var description: String {
        switch perSeconds {
        case 1: return "\(requests)/s"
        case 60: return "\(requests)/min"
        case 3600: return "\(requests)/h"
        default: return "\(requests)/\(perSeconds)s"
        }
    }

    /// Parses `N/s`, `N/sec`, `N/min`, `N/m`, `N/h`, `N/hour`; nil when it is none of them.
    public init?(parsing text: String) {
        let parts = text.replacingOccurrences(of: " ", with: "").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        let unit: Double
        switch parts[1] {
        case "s", "sec", "second": unit = 1
        case "m", "min", "minute": unit = 60
        case "h", "hour": unit = 3600
        default: return nil
        }
        self.init(requests: n, perSeconds: unit)
    }
}
