import Foundation

/// Rendered bot rows kept between runs (in the state folder), keyed by the fingerprint of what a
/// row shows. The index and the group pages list every bot, so without it a run where 1% of the
/// bots changed would render every row again; with it, only the changed bots' rows are rendered.
///
/// Two files, each written whole and atomically: the base (every row when it was written) and
/// the delta (the current rows the base does not hold as they are). A run where 1% of the bots
/// changed rewrites the delta, a few percent of the rows, rather than all of them (50 MB at
/// 10,000 bots); the base is written again once the delta passes an eighth of it. Both are
/// mapped, not read: listing pages are written from the mapping. A row is only used when its
/// fingerprint is the one to show (prints cover the templates), so a delta left beside a newer
/// base is harmless.
///
/// Binary, length-prefixed, because rows are HTML with any bytes in them: a header line, the
/// number of rows, then an index of every row (six lengths: source, id, fingerprint, row at the
/// root, row one folder down, catalog.json object; then the first three's bytes), then the rows'
/// three bodies one after the other. Reading the cache and looking rows up touch only the index
/// (under a megabyte at 10,000 bots), not the 44 MB of bodies spread over 11,000 pages: those
/// are read by the kernel when pages are written from them. A damaged file is ignored: its rows
/// are rendered again.
final class RowCache: @unchecked Sendable {
    /// One bot's row: where each part's bytes are (in a mapping, or in memory the `Rows` holding it owns).
    struct Row: Sendable {
        var fingerprint: ByteSpan
        /// For pages at the site root (index) and one folder down (group pages).
        var atRoot: ByteSpan
        var oneDown: ByteSpan
        /// The bot's object in `catalog.json`, pretty-printed at its depth there.
        var catalogJSON: ByteSpan
        /// Whether it is in the base file as it is (then the delta need not repeat it).
        var inBase = false
    }

    static let header = "botcatalog-rows 3\n"

    let basePath: String
    var deltaPath: String { Self.deltaPath(of: basePath) }

    /// Where the delta of the base at `basePath` is kept.
    static func deltaPath(of basePath: String) -> String { basePath + ".delta" }
    private var mappings: [MappedFile] = []
    /// Size of the base file (0: none, or damaged).
    private(set) var baseSize = 0
    /// Cached rows by a hash of their key, the base's and the delta's (a bot whose row changed
    /// back finds it in the base); the key's bytes are compared on a hit.
    private var base: [UInt64: (source: ByteSpan, id: ByteSpan, row: Row)] = [:]
    private var delta: [UInt64: (source: ByteSpan, id: ByteSpan, row: Row)] = [:]

    /// How many bots have a cached row.
    var count: Int { base.count + delta.keys.filter { base[$0] == nil }.count }

    /// An empty cache that saves to `basePath` (and its delta beside it).
    init(basePath: String) { self.basePath = basePath }

    /// The cache as the last run left it: the base, then the delta over it.
    static func read(_ basePath: String) -> RowCache {
        let cache = RowCache(basePath: basePath)
        if let base = MappedFile(path: basePath), cache.add(base, inBase: true) { cache.baseSize = base.bytes.count }
        if let delta = MappedFile(path: cache.deltaPath) { _ = cache.add(delta, inBase: false) }
        return cache
    }

    /// The cached row of `key` with this fingerprint; nil when there is none.
    func row(_ key: BotKey, fingerprint: String) -> Row? {
        let hash = Self.hash(key)
        func matching(_ hit: (source: ByteSpan, id: ByteSpan, row: Row)?) -> Row? {
            guard let hit, hit.row.fingerprint.equals(fingerprint), hit.source.equals(key.source), hit.id.equals(key.id) else { return nil }
            return hit.row
        }
        return matching(delta[hash]) ?? matching(base[hash])
    }

    static func hash(_ key: BotKey) -> UInt64 {
        var f = Fingerprint()
        f.add(key.source)
        f.add(key.id)
        return f.value
    }

    /// Adds a file's rows (later files override earlier ones); false when it is damaged.
    private func add(_ mapping: MappedFile, inBase: Bool) -> Bool {
        guard let records = Self.records(mapping.bytes) else { return false }
        mappings.append(mapping)
        var rows: [UInt64: (source: ByteSpan, id: ByteSpan, row: Row)] = [:]
        rows.reserveCapacity(records.count)
        for record in records {
            let row = Row(fingerprint: record.fingerprint, atRoot: record.atRoot, oneDown: record.oneDown, catalogJSON: record.catalogJSON, inBase: inBase)
            var f = Fingerprint()
            f.add(UnsafeRawBufferPointer(record.source.buffer))
            f.add(UnsafeRawBufferPointer(record.id.buffer))
            rows[f.value] = (record.source, record.id, row)
        }
        if inBase { base = rows } else { delta = rows }
        return true
    }

    /// One record of the file: its six fields where they lie.
    struct Record {
        var source, id, fingerprint, atRoot, oneDown, catalogJSON: ByteSpan
    }

    /// Every record; nil when the file is damaged or not a row cache.
    static func records(_ bytes: UnsafeBufferPointer<UInt8>) -> [Record]? {
        let head = Array(header.utf8)
        guard bytes.count >= head.count + 8, let base = bytes.baseAddress, memcmp(base, head, head.count) == 0 else { return nil }
        let raw = UnsafeRawBufferPointer(bytes)
        var i = head.count
        func number(_ size: Int) -> Int? {
            guard size <= bytes.count - i else { return nil }
            defer { i += size }
            return size == 8 ? Int(exactly: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                             : Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
        }
        // Each index entry holds at least its six lengths: a count the file cannot hold is damage.
        guard let count = number(8), count <= (bytes.count - i) / 24 else { return nil }
        func field(_ length: Int) -> ByteSpan? {
            guard length <= bytes.count - i else { return nil }
            defer { i += length }
            return ByteSpan(start: base + i, count: length)
        }
        var records: [Record] = []
        records.reserveCapacity(count)
        var bodyLengths: [(Int, Int, Int)] = []
        bodyLengths.reserveCapacity(count)
        for _ in 0..<count {
            guard let a = number(4), let b = number(4), let c = number(4), let d = number(4), let e = number(4), let f = number(4),
                  let source = field(a), let id = field(b), let fingerprint = field(c) else { return nil }
            records.append(Record(source: source, id: id, fingerprint: fingerprint, atRoot: .empty, oneDown: .empty, catalogJSON: .empty))
            bodyLengths.append((d, e, f))
        }
        // The bodies fill the rest of the file exactly.
        guard bodyLengths.reduce(0, { $0 + $1.0 + $1.1 + $1.2 }) == bytes.count - i else { return nil }
        for n in records.indices {
            let (d, e, f) = bodyLengths[n]
            records[n].atRoot = ByteSpan(start: base + i, count: d)
            records[n].oneDown = ByteSpan(start: base + i + d, count: e)
            records[n].catalogJSON = ByteSpan(start: base + i + d + e, count: f)
            i += d + e + f
        }
        return records
    }

    /// Saves the current rows (aligned with `keys`): the delta alone when it stays under an
    /// eighth of the base the rows were read with (`inBase` is about that one), else a new base
    /// (and no delta). Written atomically; the base first, so a crash between the two leaves a
    /// delta whose rows only shadow some with other prints.
    static func save(_ rows: Rows, keys: [BotKey], to basePath: String) throws(StoreError) {
        let deltaPath = deltaPath(of: basePath)
        let baseSize = rows.cache.baseSize
        let fresh = rows.rows.indices.filter { !rows.rows[$0].inBase }
        let freshBytes = fresh.reduce(0) { $0 + rows.rows[$1].size }
        if baseSize > 0, freshBytes * 8 <= baseSize {
            if fresh.isEmpty { unlink(deltaPath); return }
            try AtomicFile.write(to: deltaPath) { write(rows.rows, keys: keys, only: fresh, to: &$0) }
        } else {
            try AtomicFile.write(to: basePath) { write(rows.rows, keys: keys, only: rows.rows.indices, to: &$0) }
            unlink(deltaPath)
        }
    }

    static func write(_ rows: [Row], keys: [BotKey], only indices: some Collection<Int>, to sink: inout AtomicFile.Sink) {
        // A part longer than a length field holds (4 GB) is not cached: it is rendered again.
        let kept = indices.filter { i in
            [keys[i].source.utf8.count, keys[i].id.utf8.count, rows[i].fingerprint.count, rows[i].atRoot.count,
             rows[i].oneDown.count, rows[i].catalogJSON.count].allSatisfy { $0 <= Int(UInt32.max) }
        }
        sink.write(header)
        withUnsafeBytes(of: UInt64(kept.count).littleEndian) { sink.write($0) }
        for i in kept {
            let row = rows[i], key = keys[i]
            var lengths: [UInt8] = []
            lengths.reserveCapacity(24)
            for length in [key.source.utf8.count, key.id.utf8.count, row.fingerprint.count, row.atRoot.count, row.oneDown.count, row.catalogJSON.count] {
                withUnsafeBytes(of: UInt32(length).littleEndian) { lengths.append(contentsOf: $0) }
            }
            lengths.withUnsafeBytes { sink.write($0) }
            sink.write(key.source)
            sink.write(key.id)
            sink.write(UnsafeRawBufferPointer(row.fingerprint.buffer))
        }
        for i in kept {
            for part in [rows[i].atRoot, rows[i].oneDown, rows[i].catalogJSON] { sink.write(UnsafeRawBufferPointer(part.buffer)) }
        }
    }
}

extension RowCache.Row {
    var size: Int { fingerprint.count + atRoot.count + oneDown.count + catalogJSON.count }
}

/// Every current bot's row (aligned with the model's current bots), with what keeps their bytes
/// alive: the cache's mappings, and the memory of the rows rendered this run.
final class Rows: @unchecked Sendable {
    var rows: [RowCache.Row] = []
    let cache: RowCache
    private var owned: [AnyObject] = []

    init(cache: RowCache) { self.cache = cache }

    /// Keeps what holds some rows' bytes alive as long as these rows.
    func keep(_ owners: [AnyObject]) { owned += owners }
}

/// A file mapped read-only (nil when it is empty or cannot be), unmapped when the last user is gone.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0,
              let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: Int(info.st_size))
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

/// Bytes that stay where they are (in a mapped cache file, or memory owned alongside) while
/// pages are written from them: rows are listed on several pages and never copied into each.
struct ByteSpan: @unchecked Sendable {
    let start: UnsafePointer<UInt8>?
    let count: Int

    static let empty = ByteSpan(start: nil, count: 0)

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    func equals(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { other in
            other.count == count && (count == 0 || memcmp(start!, other.baseAddress!, count) == 0)
        }
    }

    var string: String { String(decoding: buffer, as: UTF8.self) }
}

/// Bytes in memory of their own, freed with this object.
final class OwnedBytes: @unchecked Sendable {
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    let count: Int

    /// The parts one after the other, and a span for each.
    init(_ parts: [some Collection<UInt8>], spans: inout [ByteSpan]) {
        count = parts.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(1, count))
        var at = 0
        for part in parts {
            let start = bytes.baseAddress! + at
            _ = UnsafeMutableBufferPointer(rebasing: bytes[at..<(at + part.count)]).initialize(from: part)
            spans.append(ByteSpan(start: UnsafePointer(start), count: part.count))
            at += part.count
        }
    }

    convenience init(_ text: String) {
        var spans: [ByteSpan] = []
        self.init([Array(text.utf8)], spans: &spans)
    }

    var span: ByteSpan { ByteSpan(start: UnsafePointer(bytes.baseAddress), count: count) }

    deinit { bytes.deallocate() }
}
