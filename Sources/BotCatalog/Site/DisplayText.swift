import CBotSystem
/// Text from an API made fit to show: control characters and bidirectional overrides removed
/// (they could hide or reorder what a reader sees), length bounded. Escaping is the templates' job.
enum DisplayText {
    static func clean(_ text: String, limit: Int = 100_000) -> String {
        if let cut = plainCut(text, limit: limit) { return cut }
        var needsWork = text.utf8.count > limit
        // Printable ASCII, tabs and newlines (most API text): nothing is hidden, no scalar to decode.
        // (Plain text too long, with no CR to count as one character with its LF, was cut above.)
        if !needsWork, isPlain(text) { return text }
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

    /// The first `limit` bytes and an ellipsis, when cutting by characters gives that whatever
    /// follows: the text is longer, and its first `limit + 1` bytes are plain with no CR (so each
    /// is one character, and the one after the cut is kept). Only those bytes are read: a
    /// description cut to 300 for a feed was scanned whole, twice.
    private static func plainCut(_ text: String, limit: Int) -> String? {
        guard limit >= 0, text.utf8.count > limit else { return nil }
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard let base = bytes.baseAddress, botcatalog_plain_prefix(base, limit + 1) == limit + 1,
                  memchr(base, 0x0D, limit + 1) == nil else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<limit]), as: UTF8.self) + "…"
        }
    }

    /// Plain one-line summary of Markdown text, for tables and feeds: Markdown punctuation at the
    /// edges of words dropped, whitespace folded, cut at a word boundary. One pass, over the bytes
    /// or over the scalars.
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
            var summary = Summary(limit: limit)
            // A word is added from where it lies, unless it holds bytes to drop (emphasis and
            // code marks, hidden bytes): then from a copy without them.
            var copy: [UInt8] = []
            func dropped(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "*") || byte == UInt8(ascii: "`") || byte < 0x20 || byte == 0x7F }
            var i = 0
            while i < bytes.count, !summary.truncated {
                let start = i
                var drops = false
                while i < bytes.count {
                    let byte = bytes[i]
                    if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") { break }
                    if byte >= 0x80 { return nil }
                    if dropped(byte) { drops = true }
                    i += 1
                }
                let word = UnsafeBufferPointer(rebasing: bytes[start..<i])
                if !drops {
                    summary.addASCII(word)
                } else {
                    copy.removeAll(keepingCapacity: true)
                    for byte in word where !dropped(byte) { copy.append(byte) }
                    copy.withUnsafeBufferPointer { summary.addASCII($0) }
                }
                i += 1  // the space, tab or line break
            }
            return summary.text
        }
    }

    /// `summary` over the Unicode scalars: any text.
    static func scalarSummary(_ markdown: String, limit: Int) -> String {
        var summary = Summary(limit: limit)
        var word: [Unicode.Scalar] = []
        word.reserveCapacity(32)
        func flush() {
            summary.add(word, codePoint: \.value) { scalar, out in
                if scalar.isASCII { out.append(UInt8(scalar.value)) } else { UTF8.encode(scalar) { out.append($0) } }
            }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in markdown.unicodeScalars {
            if summary.truncated { break }
            if scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r" || (scalar.value > 0x7F && scalar.properties.isWhitespace) {
                flush()
            } else if scalar == "*" || scalar == "`" {
                continue  // emphasis and code marks, wherever they stand ("ask**,")
            } else if !isHidden(scalar) {
                word.append(scalar)
            }
        }
        if !summary.truncated { flush() }
        return summary.text
    }

    /// A summary as its words are added, shared by the byte and scalar walks: each word without
    /// the Markdown punctuation at its edges, one space apart, until the next would pass the
    /// limit (counted in scalars). Built as UTF-8 bytes: appending to a
    /// `String.UnicodeScalarView` showed in profiles.
    private struct Summary {
        let limit: Int
        var out: [UInt8] = []
        var count = 0
        private(set) var truncated = false

        init(limit: Int) {
            self.limit = limit
            out.reserveCapacity(limit + 8)
        }

        static func isPunctuation(_ codePoint: UInt32) -> Bool {
            switch codePoint {
            case 0x23, 0x2A, 0x5F, 0x60, 0x3E, 0x5B, 0x5D, 0x21, 0x2D: return true  // # * _ ` > [ ] ! -
            default: return false
            }
        }

        /// `word`'s units (bytes or scalars), `codePoint` of each, `encode` appending one as UTF-8.
        @inline(__always)
        mutating func add<Unit>(_ word: [Unit], codePoint: (Unit) -> UInt32, encode: (Unit, inout [UInt8]) -> Void) {
            guard let kept = place(word.count, isPunctuation: { Self.isPunctuation(codePoint(word[$0])) }) else { return }
            for unit in word[kept] { encode(unit, &out) }
        }

        /// `add` for a word of ASCII bytes, appended as they are.
        mutating func addASCII(_ word: UnsafeBufferPointer<UInt8>) {
            guard let kept = place(word.count, isPunctuation: { Self.isPunctuation(UInt32(word[$0])) }) else { return }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: word[kept]))
        }

        /// The part of a word of `length` units to add, without the punctuation at its edges, with
        /// the space before it already added and counted; nil when nothing is left of it, or when
        /// it would pass the limit (then the summary is cut there).
        @inline(__always)
        private mutating func place(_ length: Int, isPunctuation: (Int) -> Bool) -> Range<Int>? {
            var lower = 0, upper = length
            while lower < upper, isPunctuation(lower) { lower += 1 }
            while upper > lower, isPunctuation(upper - 1) { upper -= 1 }
            guard lower < upper else { return nil }
            if count + (upper - lower) + 1 > limit { truncated = true; return nil }
            if !out.isEmpty { out.append(UInt8(ascii: " ")); count += 1 }
            count += upper - lower
            return lower..<upper
        }

        var text: String {
            let text = String(decoding: out, as: UTF8.self)
            return truncated ? text + "…" : text
        }
    }

    /// Printable ASCII, tabs and line breaks only: scanned eight bytes at a time (this runs for
    /// every text of every bot shown).
    static func isPlain(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            return botcatalog_plain_prefix(base, bytes.count) == bytes.count
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
        var scanned = text
        let markup = scanned.withUTF8 { bytes in bytes.baseAddress.map { botcatalog_html_escape_at($0, bytes.count) < bytes.count } ?? false }
        guard markup else { return text }
        // The templates' own escaping (`'` as `&#39;`, as swift-mustache does).
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        CompiledTemplates.appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
