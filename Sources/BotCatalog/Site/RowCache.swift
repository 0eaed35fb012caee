import Foundation

/// Rendered bot rows kept between runs (in the state folder), keyed by the fingerprint of what a
/// row shows. The index and the group pages list every bot, so without it a run where 1% of the
/// bots changed would render every row again; with it, only the changed bots' rows are rendered.
///
/// Binary, length-prefixed, because rows are HTML with any bytes in them: a header line, then per
/// row a line of six decimal lengths (source, id, fingerprint, row at the root, row one folder
/// down, catalog.json object) followed by those bytes. A damaged file is ignored: the rows are rendered again.
struct RowCache: Sendable {
    struct Row: Sendable {
        var fingerprint: String
        /// For pages at the site root (index) and one folder down (group pages).
        var atRoot: String
        var oneDown: String
        /// The bot's object in `catalog.json`, pretty-printed at its depth there.
        var catalogJSON: String
    }

    static let header = "botcatalog-rows 2\n"
    var rows: [BotKey: Row] = [:]

    static func read(_ path: String) -> RowCache {
        guard let data = FileManager.default.contents(atPath: path), data.starts(with: Data(header.utf8)) else { return RowCache() }
        var cache = RowCache()
        let bytes = [UInt8](data)
        var i = header.utf8.count
        func field(_ length: Int) -> String? {
            guard length >= 0, i + length <= bytes.count else { return nil }
            defer { i += length }
            return String(decoding: bytes[i..<(i + length)], as: UTF8.self)
        }
        while i < bytes.count {
            guard let newline = bytes[i...].firstIndex(of: 0x0A) else { return RowCache() }
            let lengths = String(decoding: bytes[i..<newline], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
            i = newline + 1
            guard lengths.count == 6, let source = field(lengths[0]), let id = field(lengths[1]), let print = field(lengths[2]),
                  let atRoot = field(lengths[3]), let oneDown = field(lengths[4]), let json = field(lengths[5]) else { return RowCache() }
            cache.rows[BotKey(source: source, id: id)] = Row(fingerprint: print, atRoot: atRoot, oneDown: oneDown, catalogJSON: json)
        }
        return cache
    }

    func data(order: [BotKey]) -> Data {
        var out = Data(Self.header.utf8)
        for key in order {
            guard let row = rows[key] else { continue }
            let fields = [key.source, key.id, row.fingerprint, row.atRoot, row.oneDown, row.catalogJSON]
            out.append(contentsOf: Array((fields.map { String($0.utf8.count) }.joined(separator: " ") + "\n").utf8))
            for field in fields { out.append(contentsOf: Array(field.utf8)) }
        }
        return out
    }
}
