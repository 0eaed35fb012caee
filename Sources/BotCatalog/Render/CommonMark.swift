import CBotSystem
import CCmark
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The only file that talks to libcmark (Debian's libcmark-dev, 0.30).
///
/// cmark runs in its default safe mode: raw HTML is dropped and `javascript:`-style URLs are
/// blanked. On top of that every link or image whose URL is not absolute http(s) is unwrapped
/// to its text, so API text can never add a `mailto:`, `data:` or site-relative link.
/// Every C allocation is freed on the path that made it, or with the arena it came from.
public enum CommonMark {
    /// cmark option flags, as Swift values.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// Safe mode, raw HTML dropped (cmark's default; `CMARK_OPT_UNSAFE` is never set).
        public static let `default` = Options([])
        /// `CMARK_OPT_HARDBREAKS`: soft line breaks become `<br />`, as prompts are written.
        public static let hardBreaks = Options(rawValue: CMARK_OPT_HARDBREAKS)
        /// `CMARK_OPT_SMART`: curly quotes and dashes.
        public static let smart = Options(rawValue: CMARK_OPT_SMART)
    }

    /// Converts Markdown to an HTML fragment.
    ///
    /// Everything cmark allocates for the document comes from this thread's arena (CBotSystem's
    /// `botcatalog_arena_*`) and is released at once when the fragment has been copied out, so
    /// the tree is never freed node by node.
    public static func html(_ markdown: String, options: Options = .default) -> String {
        var text = markdown
        return text.withUTF8 { buffer -> String in
            defer { botcatalog_arena_reset() }
            guard let parser = cmark_parser_new_with_mem(options.rawValue, arena) else { return "" }
            buffer.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
            let document = cmark_parser_finish(parser)
            cmark_parser_free(parser)
            guard let document else { return "" }
            unwrapUnsafeLinks(in: document)
            guard let rendered = cmark_render_html(document, options.rawValue) else { return "" }
            // cmark 0.30 renders into the document's allocator; one that did not would use malloc's.
            defer { if botcatalog_arena_owns(rendered) == 0 { free(rendered) } }
            return String(cString: rendered)
        }
    }

    /// The arena's functions as cmark takes them, made once and never freed.
    private nonisolated(unsafe) static let arena: UnsafeMutablePointer<cmark_mem> = {
        let memory = UnsafeMutablePointer<cmark_mem>.allocate(capacity: 1)
        memory.initialize(to: cmark_mem(calloc: botcatalog_arena_calloc, realloc: botcatalog_arena_realloc, free: botcatalog_arena_free))
        return memory
    }()

    /// The benchmark's floor: Markdown to HTML in one C call, written with stdio to its own file,
    /// as the smallest C program would. Returns false when the file cannot be written.
    public static func floorConvert(_ markdown: String, to path: String) -> Bool {
        var text = markdown
        return text.withUTF8 { buffer -> Bool in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Bool in
                guard let html = cmark_markdown_to_html(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT) else { return false }
                defer { free(html) }
                guard let file = fopen(path, "w") else { return false }
                defer { fclose(file) }
                return fputs(html, file) >= 0
            }
        }
    }

    /// Whether a URL may appear as a link or image: absolute http or https only.
    public static func isSafeURL(_ url: String) -> Bool {
        // Unicode White_Space only: a URL behind a zero-width space is no http(s) URL to a browser.
        let trimmed = url.trimmedWhitespace.lowercased()
        guard trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") else { return false }
        // No control characters or quotes that could confuse an attribute.
        return !trimmed.unicodeScalars.contains { $0.value < 0x20 || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "\\" || $0 == "`" }
            && trimmed.count > 8
    }

    private static func unwrapUnsafeLinks(in document: OpaquePointer) {
        var unsafe: [OpaquePointer] = []
        if let iterator = cmark_iter_new(document) {
            defer { cmark_iter_free(iterator) }
            while true {
                let event = cmark_iter_next(iterator)
                if event == CMARK_EVENT_DONE { break }
                guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
                let type = cmark_node_get_type(node)
                guard type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE else { continue }
                let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                if !isSafeURL(url) { unsafe.append(node) }
            }
        }
        // Mutate after iterating: move the link's children (its text) before it, then drop it.
        for node in unsafe {
            while let child = cmark_node_first_child(node) {
                cmark_node_insert_before(node, child)
            }
            cmark_node_unlink(node)
            cmark_node_free(node)
        }
    }
}
