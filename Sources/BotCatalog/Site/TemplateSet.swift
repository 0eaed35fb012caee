import CBotSystem
import Foundation
import Mustache

/// The page templates and assets of a site, from `Templates/` or the user's folder.
public struct TemplateSet: Sendable {
    public static let required = ["layout", "index", "bot", "group", "groups", "changelog", "404", "feed"]

    public let folder: String
    public let library: MustacheLibrary
    /// The same templates compiled for the fast renderer; nil when one needs swift-mustache.
    let compiled: CompiledTemplates?
    /// Files under `assets/`, relative path → bytes, copied into the site as they are.
    public let assets: [(path: String, data: Data)]
    /// Changes whenever any template or asset changes: part of every page's fingerprint.
    public let fingerprint: String

    /// Loads and parses every `.mustache` file; a missing or broken one is an error naming it.
    public static func load(from folder: String, configKey: String = "templates") throws(SiteError) -> TemplateSet {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw SiteError(file: folder, reason: "the templates folder does not exist; fix `\(configKey)` in the config or remove it to use the built-in templates")
        }
        var library = MustacheLibrary()
        var sources: [String: String] = [:]
        var hash = Fingerprint()
        // The version of what code writes around the templates (catalog.json's layout, the rows' places):
        // a change makes every page's print new, so no row of an older layout is reused.
        hash.add("botcatalog-site-v2")
        let names = ((try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in names where name.hasSuffix(".mustache") {
            let path = "\(folder)/\(name)"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SiteError(file: path, reason: "cannot be read as UTF-8 text")
            }
            hash.add(name)
            hash.add(text)
            do {
                library.register(try MustacheTemplate(string: text), named: String(name.dropLast(".mustache".count)))
                sources[String(name.dropLast(".mustache".count))] = text
            } catch let error as MustacheTemplate.ParserError {
                throw SiteError(file: path, reason: "line \(error.context.lineNumber), column \(error.context.columnNumber): \(error.error) in `\(error.context.line.trimmingCharacters(in: .whitespaces))`")
            } catch {
                throw SiteError(file: path, reason: "does not parse: \(error)")
            }
        }
        for name in required where library.getTemplate(named: name) == nil {
            throw SiteError(file: "\(folder)/\(name).mustache",
                            reason: "is missing; every templates folder needs \(required.map { "\($0).mustache" }.joined(separator: ", ")) (copy them from the built-in Templates/)")
        }
        var assets: [(String, Data)] = []
        for name in names where name.hasPrefix("assets/") {
            let path = "\(folder)/\(name)"
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            hash.add(name)
            hash.add(data)
            assets.append((name, data))
        }
        return TemplateSet(folder: folder, library: library, compiled: CompiledTemplates(sources: sources), assets: assets, fingerprint: hash.hex)
    }

    /// The built-in templates: `Templates/` beside the package this binary was built from.
    public static var builtInFolder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Templates").path
    }

    func render(_ template: String, _ context: [String: Any]) -> String {
        render(template, Self.box(context))
    }

    func render(_ template: String, _ context: TemplateScope) -> String {
        guard let compiled else { return renderWithMustache(template, context) }
        return compiled.render(template, context)
    }

    /// The page as UTF-8 bytes (bot pages and rows: no `String` made only to be written).
    /// `capacity`: the bytes expected (a page grown from nothing to megabytes is copied each time it doubles).
    func renderBytes(_ template: String, _ context: TemplateScope, log: FragmentLog? = nil, capacity: Int = 16_384) -> [UInt8] {
        guard let compiled else { return Array(renderWithMustache(template, context).utf8) }
        return compiled.renderBytes(template, context, log: log, capacity: capacity)
    }

    /// Whether list items can carry a `FragmentMemo` (only the compiled renderer reads them).
    var takesFragments: Bool { compiled != nil }

    /// `renderBytes` appended to `out`.
    func render(_ template: String, _ context: TemplateScope, into out: inout [UInt8]) {
        guard let compiled else { return out.append(contentsOf: renderWithMustache(template, context).utf8) }
        compiled.render(template, context, into: &out)
    }

    /// This set with the compiled renderer switched off: every page through swift-mustache.
    var withoutCompiledRenderer: TemplateSet {
        TemplateSet(folder: folder, library: library, compiled: nil, assets: assets, fingerprint: fingerprint)
    }

    /// The same page through swift-mustache, whatever the set: the reference the compiled
    /// renderer is checked against.
    func renderWithMustache(_ template: String, _ context: [String: Any]) -> String {
        renderWithMustache(template, Self.box(context))
    }

    func renderWithMustache(_ template: String, _ context: TemplateScope) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// Prepares a context for the renderers in one pass: empty strings dropped (in swift-mustache an
    /// empty string is truthy, so `{{#organizationURL}}` would render an empty link), text separated
    /// from fused markup, and every value typed once as a `TemplateValue` (a `TemplateScope` is also
    /// the `MustacheParent` swift-mustache looks names up in).
    static func box(_ value: [String: Any]) -> TemplateScope {
        var out: [(String, TemplateValue)] = []
        out.reserveCapacity(value.count)
        for (key, item) in value {
            switch item {
            case let s as String where s.isEmpty: continue
            // `…Html` values are markup botcatalog made (cmark, rows): only text needs separating.
            case let s as String where key.hasSuffix("Html"): out.append((key, .text(s)))
            case let s as String: out.append((key, .text(separatingMarkup(s))))
            case let boxed as TemplateValue: out.append((key, boxed))  // boxed once for several pages
            case let b as Bool: out.append((key, .flag(b)))
            case let n as Int: out.append((key, .number(n)))
            case let d as [String: Any]: out.append((key, .scope(box(d))))
            case let list as [[String: Any]]: out.append((key, .list(list.map { .scope(box($0)) })))
            case let list as [String]: out.append((key, .list(list.map { .text(separatingMarkup($0)) })))
            default: out.append((key, .text(separatingMarkup(String(describing: item)))))
            }
        }
        return TemplateScope(out)
    }

}

extension TemplateSet {
    /// swift-mustache escapes by `Character`, so a markup character fused with a combining mark
    /// (`"` + U+0301 is one grapheme) is not escaped and could end an attribute, or break the
    /// XML well-formedness of a page or the feed. Marks fused to `"'<>&` are dropped, so every
    /// markup character stands alone and is escaped. Only text with such a neighbour is copied.
    static func separatingMarkup(_ text: String) -> String {
        func isMarkup(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
        }
        // Combining marks and prepended signs are never ASCII: only a markup byte next to a
        // non-ASCII byte can be part of a longer grapheme. The markup bytes are the ones HTML
        // escaping stops at, found eight bytes at a time.
        let fused = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            var i = 0
            while true {
                i += botcatalog_html_escape_at(base + i, bytes.count - i)
                guard i < bytes.count else { return false }
                if (i > 0 && bytes[i - 1] >= 0x80) || (i + 1 < bytes.count && bytes[i + 1] >= 0x80) { return true }
                i += 1
            }
        } ?? true
        guard fused else { return text }
        // Two ASCII characters never form one grapheme (but for CR LF, which holds no markup), so
        // only each run of non-ASCII bytes with one byte either side is walked by character (runs
        // one byte apart are walked together); the rest is copied as it is. A feed entry whose
        // text was cut with "…" before a tag no longer walks the whole entry.
        var s = text
        return s.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var copied = 0
            var i = 0
            while i < bytes.count {
                guard bytes[i] >= 0x80 else { i += 1; continue }
                let start = max(copied, i - 1)
                var end = i
                repeat {
                    while end < bytes.count, bytes[end] >= 0x80 { end += 1 }
                    if end < bytes.count { end += 1 }
                } while end < bytes.count && bytes[end] >= 0x80
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
                for character in String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) {
                    let scalars = character.unicodeScalars
                    if scalars.count > 1, let markup = scalars.first(where: { $0.isASCII && isMarkup(UInt8($0.value)) }) {
                        out.append(UInt8(markup.value))
                    } else {
                        out.append(contentsOf: character.utf8)
                    }
                }
                copied = end
                i = end
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// A problem building the site, naming the file.
public struct SiteError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
