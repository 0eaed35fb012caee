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
        // Mapped, not read: the rows are copied once, into their strings.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped),
              data.starts(with: Data(header.utf8)) else { return RowCache() }
        return data.withUnsafeBytes { raw -> RowCache in
            let bytes = raw.bindMemory(to: UInt8.self)
            // First the records' places, one after the other (a jump per record); then their
            // strings, made in parallel (the copying and UTF-8 checking of 50 MB at 10,000 bots).
            guard let records = Self.records(bytes) else { return RowCache() }
            let base = UnsafeSendable(bytes)
            let made = records.parallelMap { fields -> (BotKey, Row) in
                func text(_ n: Int) -> String {
                    String(decoding: UnsafeBufferPointer(rebasing: base.bytes[fields[n]]), as: UTF8.self)
                }
                return (BotKey(source: text(0), id: text(1)), Row(fingerprint: text(2), atRoot: text(3), oneDown: text(4), catalogJSON: text(5)))
            }
            var cache = RowCache()
            cache.rows.reserveCapacity(made.count)
            for (key, row) in made { cache.rows[key] = row }
            return cache
        }
    }

    /// The byte ranges of each record's six fields; nil when the file is damaged.
    static func records(_ bytes: UnsafeBufferPointer<UInt8>) -> [[Range<Int>]]? {
        var i = header.utf8.count
        var records: [[Range<Int>]] = []
        // One line of six decimal lengths, read by hand (this runs for every bot).
        func lengths() -> [Int]? {
            var out: [Int] = []
            out.reserveCapacity(6)
            var n = 0
            var digits = 0
            while i < bytes.count {
                let byte = bytes[i]
                i += 1
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard digits < 12 else { return nil }
                    n = n * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                case UInt8(ascii: " "), UInt8(ascii: "\n"):
                    guard digits > 0 else { return nil }
                    out.append(n)
                    n = 0
                    digits = 0
                    if byte == UInt8(ascii: "\n") { return out }
                default:
                    return nil
                }
            }
            return nil
        }
        while i < bytes.count {
            guard let lengths = lengths(), lengths.count == 6 else { return nil }
            var fields: [Range<Int>] = []
            fields.reserveCapacity(6)
            for length in lengths {
                guard i + length <= bytes.count else { return nil }
                fields.append(i..<(i + length))
                i += length
            }
            records.append(fields)
        }
        return records
    }

    /// Writes rows (aligned with `keys`) in the cache's format.
    static func write(keys: [BotKey], rows: [Row], to sink: inout AtomicFile.Sink) {
        sink.write(header)
        for (key, row) in zip(keys, rows) {
            let fields = [key.source, key.id, row.fingerprint, row.atRoot, row.oneDown, row.catalogJSON]
            sink.write(fields.map { String($0.utf8.count) }.joined(separator: " ") + "\n")
            for field in fields { sink.write(field) }
        }
    }
}

/// The mapped cache, read from several threads while the mapping is held.
private struct UnsafeSendable: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
}
