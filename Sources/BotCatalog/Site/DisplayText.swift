/// Text from an API made fit to show: control characters and bidirectional overrides removed
/// (they could hide or reorder what a reader sees), length bounded. Escaping is the templates' job.
enum DisplayText {
    static func clean(_ text: String, limit: Int = 100_000) -> String {
        var needsWork = text.utf8.count > limit
        if !needsWork {
            for scalar in text.unicodeScalars where isHidden(scalar) {
                needsWork = true
                break
            }
        }
        guard needsWork else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isHidden(scalar) { out.append(scalar) }
        let cleaned = String(out)
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }

    /// Plain one-line summary of Markdown text, for tables and feeds.
    static func summary(_ markdown: String?, limit: Int = 160) -> String {
        guard let markdown else { return "" }
        var words: [Substring] = []
        var length = 0
        for line in markdown.split(whereSeparator: \.isNewline) {
            for word in line.split(separator: " ") {
                let stripped = word.trimmingCharacters(in: CharacterSet(charactersIn: "#*_`>[]!-"))
                guard !stripped.isEmpty else { continue }
                words.append(Substring(stripped))
                length += stripped.count + 1
                if length > limit { break }
            }
            if length > limit { break }
        }
        let text = clean(words.joined(separator: " "))
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    static func isHidden(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 { return v != 0x09 && v != 0x0A && v != 0x0D }
        return (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0xFFFE || v == 0xFFFF || v == 0xFEFF
    }
}

import Foundation

/// HTML escaping for the few fragments built in Swift (feed entry bodies).
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
