/// Text from an API made fit to show: control characters and bidirectional overrides removed
/// (they could hide or reorder what a reader sees), length bounded. Escaping is the templates' job.
enum DisplayText {
    static func clean(_ text: String, limit: Int = 100_000) -> String {
        var needsWork = text.utf8.count > limit
        // Printable ASCII, tabs and newlines (most API text): nothing is hidden, no scalar to decode.
        if isPlain(text) {
            if !needsWork { return text }
            // Too long, but one character per byte (but for CR LF, one character of two):
            // cut on the bytes rather than counting characters.
            if !text.utf8.contains(0x0D) { return String(Substring(text.utf8.prefix(limit))) + "…" }
        }
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

    /// Plain one-line summary of Markdown text, for tables and feeds: Markdown punctuation at the
    /// edges of words dropped, whitespace folded, cut at a word boundary. One pass over the scalars.
    static func summary(_ markdown: String?, limit: Int = 160) -> String {
        guard let markdown else { return "" }
        return asciiSummary(markdown, limit: limit) ?? scalarSummary(markdown, limit: limit)
    }

    /// `summary` over the bytes, for text whose words up to the cut are ASCII (most
    /// descriptions): nil as soon as it meets a byte that is not, then the scalars are walked.
    /// (Every row has a summary: over scalars it was 3% of a full build.)
    static func asciiSummary(_ markdown: String, limit: Int) -> String? {
        var text = markdown
        return text.withUTF8 { bytes -> String? in
            var out: [UInt8] = []
            out.reserveCapacity(limit + 8)
            var word: [UInt8] = []
            word.reserveCapacity(32)
            var count = 0
            var truncated = false
            func isPunctuation(_ b: UInt8) -> Bool {
                switch b {
                case UInt8(ascii: "#"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: ">"),
                     UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "!"), UInt8(ascii: "-"): return true
                default: return false
                }
            }
            func flush() {
                defer { word.removeAll(keepingCapacity: true) }
                var lower = 0, upper = word.count
                while lower < upper, isPunctuation(word[lower]) { lower += 1 }
                while upper > lower, isPunctuation(word[upper - 1]) { upper -= 1 }
                guard lower < upper else { return }
                if count + (upper - lower) + 1 > limit { truncated = true; return }
                if !out.isEmpty { out.append(UInt8(ascii: " ")); count += 1 }
                out.append(contentsOf: word[lower..<upper])
                count += upper - lower
            }
            for byte in bytes {
                if truncated { break }
                switch byte {
                case 0x80...: return nil
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): flush()
                case UInt8(ascii: "*"), UInt8(ascii: "`"): continue
                case 0..<0x20, 0x7F: continue  // hidden (tab and line breaks are taken above)
                default: word.append(byte)
                }
            }
            if !truncated { flush() }
            let summary = String(decoding: out, as: UTF8.self)
            return truncated ? summary + "…" : summary
        }
    }

    /// `summary` over the Unicode scalars: any text.
    static func scalarSummary(_ markdown: String, limit: Int) -> String {
        func isPunctuation(_ s: Unicode.Scalar) -> Bool {
            switch s { case "#", "*", "_", "`", ">", "[", "]", "!", "-": return true; default: return false }
        }
        // Built as UTF-8 bytes: appending to a `String.UnicodeScalarView` showed in profiles.
        var out: [UInt8] = []
        out.reserveCapacity(limit + 8)
        var word: [Unicode.Scalar] = []
        word.reserveCapacity(32)
        var count = 0
        var truncated = false
        func flush() {
            defer { word.removeAll(keepingCapacity: true) }
            var lower = 0, upper = word.count
            while lower < upper, isPunctuation(word[lower]) { lower += 1 }
            while upper > lower, isPunctuation(word[upper - 1]) { upper -= 1 }
            guard lower < upper else { return }
            if count + (upper - lower) + 1 > limit { truncated = true; return }
            if !out.isEmpty { out.append(UInt8(ascii: " ")); count += 1 }
            for scalar in word[lower..<upper] {
                if scalar.isASCII { out.append(UInt8(scalar.value)) } else { UTF8.encode(scalar) { out.append($0) } }
            }
            count += upper - lower
        }
        for scalar in markdown.unicodeScalars {
            if truncated { break }
            if scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" || (scalar.value > 0x7F && scalar.properties.isWhitespace) {
                flush()
            } else if scalar == "*" || scalar == "`" {
                continue  // emphasis and code marks, wherever they stand ("ask**,")
            } else if !isHidden(scalar) {
                word.append(scalar)
            }
        }
        if !truncated { flush() }
        let text = String(decoding: out, as: UTF8.self)
        return truncated ? text + "…" : text
    }


    /// Printable ASCII, tabs and line breaks only: scanned on the bytes (this runs for every
    /// text of every bot shown).
    static func isPlain(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where !((byte >= 0x20 && byte < 0x7F) || byte == 0x09 || byte == 0x0A || byte == 0x0D) { return false }
            return true
        }
    }

    static func isHidden(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 { return v != 0x09 && v != 0x0A && v != 0x0D }
        return (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x200E || v == 0x200F || v == 0xFFFE || v == 0xFFFF || v == 0xFEFF
            || v == 0xE000 || v == 0xE001  // the site builder's root marker (SiteBuilder.rootMarker)
    }
}

import Foundation

/// HTML escaping for the few fragments built in Swift (feed entry bodies).
enum HTML {
    static func escape(_ text: String) -> String {
        // Most text has no markup character: then it is returned as it is, without a copy.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) else {
            return text
        }
        // The templates' own escaping (`'` as `&#39;`, as swift-mustache does).
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        CompiledTemplates.appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
