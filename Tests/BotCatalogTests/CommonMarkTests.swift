import CBotSystem
import CCmark
import Foundation
import Testing

@testable import BotCatalog

/// cmark, the real library, in safe mode with only http(s) links kept.
@Suite("Markdown through cmark")
struct CommonMarkTests {
    @Test("Markdown becomes HTML")
    func basics() {
        #expect(CommonMark.html("Hello *world*\n\n- a\n- b") == "<p>Hello <em>world</em></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n")
        #expect(CommonMark.html("[docs](https://example.com/a?b=1&c=2)") == "<p><a href=\"https://example.com/a?b=1&amp;c=2\">docs</a></p>\n")
    }

    @Test("raw HTML is dropped, unsafe links and images are unwrapped to their text", arguments: [
        ("<script>alert(1)</script>", "script"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[click](JaVaScRiPt:alert(1))", "alert(1)"),
        ("[mail](mailto:a@b.c)", "mailto:"),
        ("![pic](data:image/png;base64,AAAA)", "data:"),
        ("[rel](../../etc/passwd)", "href"),
        ("<a href=\"https://x\" onclick=\"y\">a</a>", "onclick"),
        ("[x](<javascript:alert(1)>)", "javascript"),
        ("[x](&#106;avascript:alert(1))", "avascript"),
    ])
    func hostile(markdown: String, forbidden: String) {
        let html = CommonMark.html(markdown)
        #expect(!html.lowercased().contains(forbidden.lowercased()), "\(html)")
        #expect(!html.contains("<script"))
    }

    @Test("unsafe link text survives as text")
    func keepsText() {
        #expect(CommonMark.html("see [the docs](javascript:x) now") == "<p>see the docs now</p>\n")
        #expect(CommonMark.html("![alt text](data:x)") == "<p>alt text</p>\n")
    }

    @Test("hard breaks for prompts")
    func hardBreaks() {
        #expect(CommonMark.html("line one\nline two", options: .hardBreaks) == "<p>line one<br />\nline two</p>\n")
    }

    @Test("only absolute http(s) URLs are safe", arguments: [
        ("https://example.com", true), ("http://example.com/x", true), ("HTTPS://EXAMPLE.COM", true),
        ("javascript:alert(1)", false), ("//evil.example", false), ("/local", false), ("https://", false),
        ("https://x.example/\"onmouseover=", false), ("data:image/png;base64,AA", false),
        ("\u{3000}\u{A0} https://example.com\n\u{2028}", true), ("\u{200B}https://example.com", false), (" \u{0301}https://x", false),
    ])
    func safeURLs(url: String, safe: Bool) {
        #expect(CommonMark.isSafeURL(url) == safe)
    }

    @Test("trimming drops Unicode White_Space as Foundation does, and keeps a mark on a trimmed space apart", arguments: [
        "", "   ", "a", " a b ", "\u{3000}\u{A0}x\u{2029}\u{85}", " \u{0301}x ", "\t\r\ny\u{1680}",
    ])
    func trimming(text: String) {
        #expect(Array(text.trimmedWhitespace.unicodeScalars) == Array(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars))
        #expect(text[...].trimmedWhitespace == text.trimmedWhitespace)
        // Not White_Space (Foundation on Linux trims it): a zero-width space stays, so a URL behind one is no http(s) URL.
        #expect("\u{200B}x".trimmedWhitespace == "\u{200B}x")
    }

    /// Documents cmark parses in every way: block and inline kinds, entities, CRLF and lone CR
    /// line ends, a NUL, no final newline, deep nesting, and one large enough to need many chunks.
    static let arenaDocuments: [String] = [
        "", "plain", "no final newline\nsecond line", "crlf\r\nline\r\n\r\npara\r", "lone\rcr\r", "nul \u{0} byte\n",
        "# Title\n\nSome *em*, **strong**, `code`, &amp; &copy; &#x263a;\n\n> quote\n> more\n\n1. one\n2. two\n   - nested\n\n```swift\nlet x = 1\n```\n\n---\n\n    indented code\n\n[link](https://example.com \"title\") ![img](https://example.com/i.png)\n\n[ref]: https://example.com/ref\n\n[ref] and <https://auto.example>\nhard  \nbreak",
        String(repeating: "> ", count: 500) + "deep",
        String(repeating: "- item with *emphasis* and `code` and a [link](https://example.com/x)\n", count: 40_000),
        String(repeating: "word ", count: 400_000),
    ]

    @Test("converting through the arena gives what cmark gives through malloc")
    func arenaMatchesMalloc() {
        for document in Self.arenaDocuments {
            var text = document
            let expected = text.withUTF8 { bytes -> String in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    let html = cmark_markdown_to_html(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)!
                    defer { free(html) }
                    return String(cString: html)
                }
            }
            #expect(CommonMark.html(document) == expected, "\(document.prefix(60))")
        }
    }

    @Test("the arena is given back after each document, whatever its size")
    func arenaReleased() {
        _ = CommonMark.html("warm")
        let held = botcatalog_arena_held()
        #expect(held > 0)
        for document in Self.arenaDocuments.reversed() {
            _ = CommonMark.html(document)
            #expect(botcatalog_arena_held() == held)
        }
    }

    @Test("threads convert at once without sharing an arena")
    func arenaPerThread() {
        let documents = Self.arenaDocuments.prefix(7).map { $0 + "\n\nend" } + (0..<57).map { "Page \($0)\n\n- *\($0)*\n- [x](https://e.example/\($0))" }
        let serial = documents.map { CommonMark.html($0) }
        let results = UnsafeMutableBufferPointer<String>.allocate(capacity: documents.count)
        results.initialize(repeating: "")
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: documents.count) { out[$0] = CommonMark.html(documents[$0]) }
        #expect(Array(results) == serial)
    }
}
