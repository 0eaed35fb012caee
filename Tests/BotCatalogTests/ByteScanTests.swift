import CBotSystem
import Testing

@testable import BotCatalog

/// The eight-bytes-at-a-time scans behind display text, JSON strings and HTML escaping find
/// exactly the byte a loop over single bytes finds, wherever it stands in a word.
@Suite("Byte scans")
struct ByteScanTests {
    typealias Scan = @Sendable (UnsafePointer<UInt8>, Int) -> Int

    static let scans: [(name: String, scan: Scan, stops: @Sendable (UInt8) -> Bool)] = [
        ("plain", { botcatalog_plain_prefix($0, $1) }, { !(($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }),
        ("json", { botcatalog_json_escape_at($0, $1) }, { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }),
        ("html", { botcatalog_html_escape_at($0, $1) }, { [0x3C, 0x3E, 0x26, 0x22, 0x27].contains($0) }),
    ]

    /// Where a loop over single bytes stops.
    static func expected(_ bytes: [UInt8], _ stops: @Sendable (UInt8) -> Bool) -> Int { bytes.firstIndex(where: stops) ?? bytes.count }

    @Test("every byte value, at every place in the first three words, with plain bytes or another stop before it",
          arguments: [0, 1, 2])
    func everyByteEverywhere(scanIndex: Int) {
        let (name, scan, stops) = Self.scans[scanIndex]
        var misses = 0
        for value in 0...255 {
            for count in 1...24 {
                for at in 0..<count {
                    // Around the byte: plain letters, and (in the second form) a 0x7F or an
                    // 0xFF after it, which the word tests must not carry back into it.
                    for after: UInt8 in [0x61, 0x7F, 0xFF] {
                        var bytes = [UInt8](repeating: 0x61, count: count)
                        bytes[at] = UInt8(value)
                        for i in (at + 1)..<count { bytes[i] = after }
                        let found = bytes.withUnsafeBufferPointer { scan($0.baseAddress!, $0.count) }
                        if found != Self.expected(bytes, stops) { misses += 1 }
                    }
                }
            }
        }
        #expect(misses == 0, "\(name): \(misses) cases stopped elsewhere than a byte loop")
    }

    @Test("random texts of every kind of byte, at every offset into the buffer", arguments: [0, 1, 2])
    func randomTexts(scanIndex: Int) {
        let (name, scan, stops) = Self.scans[scanIndex]
        var generator = SystemRandomNumberGenerator()
        // Mostly letters, as text is, with the bytes each scan stops at mixed in.
        let pool: [UInt8] = Array("abc XYZ 019 .,;".utf8) + [0x09, 0x0A, 0x0D, 0x00, 0x1F, 0x22, 0x26, 0x27, 0x3C, 0x3E, 0x5C, 0x7E, 0x7F, 0x80, 0xC3, 0xA9, 0xE2, 0xFF]
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...70, using: &generator)).map { _ in
                Int.random(in: 0..<4, using: &generator) == 0 ? pool.randomElement(using: &generator)! : UInt8(ascii: "m")
            }
            for offset in 0..<min(bytes.count, 9) {
                let tail = Array(bytes[offset...])
                let found = bytes.withUnsafeBufferPointer { scan($0.baseAddress! + offset, $0.count - offset) }
                #expect(found == Self.expected(tail, stops), "\(name): \(tail)")
            }
        }
    }

    @Test("JSON strings, HTML escaping and plain-text checks come out as the byte-by-byte rules say")
    func writersAgree() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["word", " ", "\n", "\r\n", "\t", "\"", "\\", "<", ">", "&", "'", "\u{0}", "\u{1B}", "\u{7F}", "é", "\u{202E}", "🙂", "/"]
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            // JSON: the writer's escapes, one byte at a time.
            var json: [UInt8] = [0x22]
            for byte in text.utf8 {
                switch byte {
                case 0x22: json += Array(#"\""#.utf8)
                case 0x5C: json += Array(#"\\"#.utf8)
                case 0x0A: json += Array(#"\n"#.utf8)
                case 0x0D: json += Array(#"\r"#.utf8)
                case 0x09: json += Array(#"\t"#.utf8)
                case ..<0x20: json += Array(String(format: "\\u%04x", byte).utf8)
                default: json.append(byte)
                }
            }
            json.append(0x22)
            var written: [UInt8] = []
            JSONWriter.writeString(text, into: &written)
            #expect(written == json, "\(text.debugDescription)")
            // HTML: the templates' escapes.
            let html = text.utf8.flatMap { byte -> [UInt8] in
                switch byte {
                case 0x3C: return Array("&lt;".utf8)
                case 0x3E: return Array("&gt;".utf8)
                case 0x26: return Array("&amp;".utf8)
                case 0x22: return Array("&quot;".utf8)
                case 0x27: return Array("&#39;".utf8)
                default: return [byte]
                }
            }
            var escaped: [UInt8] = []
            CompiledTemplates.appendEscaped(text, to: &escaped)
            #expect(escaped == html, "\(text.debugDescription)")
            #expect(Array(HTML.escape(text).utf8) == html, "\(text.debugDescription)")
            #expect(DisplayText.isPlain(text) == text.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D },
                    "\(text.debugDescription)")
        }
    }
}
