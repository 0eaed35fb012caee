import Foundation

/// Times in snapshots and history are UTC ISO 8601 strings to the second
/// ("2026-11-23T17:28:00Z"): they sort as text, diff cleanly and parse nowhere at scale.
public enum Timestamp {
    public static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Parses the exact format `string(from:)` writes; nil for anything else.
    public static func date(from text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A, u[19] == 0x5A else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var n: Int32 = 0
            for i in range {
                guard u[i] >= 0x30, u[i] <= 0x39 else { return nil }
                n = n * 10 + Int32(u[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// "23 Nov 2026, 17:28 UTC" for people.
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func readable(_ text: String) -> String {
        guard let date = date(from: text) else { return text }
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Built by hand: `String(format:)` showed up in profiles of large sites (a few per page).
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = String(Int(parts.tm_year) + 1900)
        return "\(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(String(repeating: "0", count: max(0, 4 - year.count)) + year), \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }

    /// "2026-11-23" for compact lists.
    public static func day(_ text: String) -> String { String(text.prefix(10)) }
}
