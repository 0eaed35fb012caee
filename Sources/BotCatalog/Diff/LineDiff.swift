/// A line-by-line diff of two texts, for prompts and descriptions in reports and pages.
public enum LineDiff {
    public enum Line: Sendable, Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// Longest-common-subsequence diff. Texts beyond `limit` lines fall back to
    /// "all removed, all added" so a hostile 100 MB prompt cannot stall a run.
    public static func lines(from before: String, to after: String, limit: Int = 2_000) -> [Line] {
        let a = splitLines(before)
        let b = splitLines(after)
        // Trim the common head and tail first: edits are usually small.
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        let x = Array(a[head..<(a.count - tail)])
        let y = Array(b[head..<(b.count - tail)])
        var middle: [Line] = []
        if x.count > limit || y.count > limit || x.count * y.count > 4_000_000 {
            middle = x.map(Line.removed) + y.map(Line.added)
        } else {
            var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
            if !x.isEmpty && !y.isEmpty {
                for i in stride(from: x.count - 1, through: 0, by: -1) {
                    for j in stride(from: y.count - 1, through: 0, by: -1) {
                        table[i][j] = x[i] == y[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
                    }
                }
            }
            var i = 0, j = 0
            while i < x.count || j < y.count {
                if i < x.count, j < y.count, x[i] == y[j] {
                    middle.append(.same(x[i])); i += 1; j += 1
                } else if i < x.count, j == y.count || table[i + 1][j] >= table[i][j + 1] {
                    middle.append(.removed(x[i])); i += 1
                } else {
                    middle.append(.added(y[j])); j += 1
                }
            }
        }
        return a[0..<head].map(Line.same) + middle + a[(a.count - tail)...].map(Line.same)
    }

    /// The text's lines, split where `split(separator: "\n")` splits a `String`: at each LF that is
    /// a `Character` of its own, that is, not the LF of a CR LF. Found on the bytes (an LF is never
    /// inside a multi-byte character): splitting by `Character` walked grapheme breaks over every
    /// description a page's timeline or the changelog diffs.
    static func splitLines(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes -> [String] in
            var lines: [String] = []
            var start = 0
            for i in bytes.indices where bytes[i] == 0x0A && (i == 0 || bytes[i - 1] != 0x0D) {
                lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                start = i + 1
            }
            lines.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
            return lines
        }
    }

    /// Unified-style text with `-`/`+`/` ` prefixes and at most `context` unchanged lines around edits.
    public static func unified(_ lines: [Line], context: Int = 2) -> [String] {
        var keep = [Bool](repeating: false, count: lines.count)
        for (n, line) in lines.enumerated() {
            if case .same = line { continue }
            for k in max(0, n - context)...min(lines.count - 1, n + context) { keep[k] = true }
        }
        var out: [String] = []
        var skipped = false
        for (n, line) in lines.enumerated() {
            guard keep[n] else { skipped = true; continue }
            if skipped, !out.isEmpty { out.append("…") }
            skipped = false
            switch line {
            case .same(let s): out.append("  " + s)
            case .removed(let s): out.append("- " + s)
            case .added(let s): out.append("+ " + s)
            }
        }
        return out
    }
}
