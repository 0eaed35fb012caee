import Foundation

/// Rendered bot rows kept between runs, keyed by the fingerprint of what a row shows. The index
/// and the group pages list every bot, so without it a run where 1% of the bots changed would
/// render every row again; with it, only the changed bots' rows are rendered.
///
/// The rows themselves stay where the published site holds them: each bot's row in `index.html`,
/// one of its group pages' rows (one folder down) and its object in `catalog.json`. The cache (a
/// file in the state folder) says where: per row its key, its fingerprint and three places (a
/// page, an offset, a length). A first build thus writes no second copy of its rows (44 MB at
/// 10,000 bots), and the state folder stays small. A part the site does not hold (a bot on no
/// group page, a template that lists no rows) is kept in the cache file itself.
///
/// Each page the cache points into is named with its inode, size and modification time when
/// the cache was saved (as the site was published); a page that differs on reading
/// (edited, replaced, gone) serves no row, and those rows are rendered again. botcatalog never
/// writes a published page in place (a spare page is written over only when no other name links
/// it), so the published pages are mapped and listing pages are written from the mappings.
///
/// Binary and length-prefixed: a header line, the pages (path and identity), the rows (lengths,
/// key, fingerprint, three places), then the bytes kept inline. A damaged file is no cache.
final class RowCache: @unchecked Sendable {
    /// One bot's row: where each part's bytes are (in a mapping, or in memory the `Rows` holding it owns).
    struct Row: Sendable {
        var fingerprint: ByteSpan
        /// For pages at the site root (index) and one folder down (group pages).
        var atRoot: ByteSpan
        var oneDown: ByteSpan
        /// The bot's object in `catalog.json`, as written on its line there.
        var catalogJSON: ByteSpan
        /// Where the published site held each part when it was read from the cache (pages of
        /// the cache's `pages`; none: rendered this run, or kept in the cache file): the next
        /// save points there again unless this build placed the part elsewhere.
        var places = Places()
    }

    /// A part of a row in a page (an index into a list of page paths; -1: none), at an offset.
    struct Place: Sendable, Equatable {
        var page: Int32
        var offset: Int
        static let none = Place(page: -1, offset: 0)
    }

    /// Where each part of one row is, by part.
    struct Places: Sendable {
        var atRoot = Place.none, oneDown = Place.none, catalogJSON = Place.none
    }

    static let header = "botcatalog-rows 4\n"

    /// The pages the cached rows' places name.
    private(set) var pages: [String] = []
    private var mappings: [MappedFile] = []
    /// The cached rows in the file's order, which is the display order of the build that saved
    /// them, with their keys' bytes (nil: a row whose page is gone or changed). A build whose
    /// bots are in the same order finds each row where it looks first, with no key hashed.
    private var ordered: [(source: ByteSpan, id: ByteSpan, row: Row?)] = []
    /// Where each key's row is, by a hash of the key: made on the first row not found where it
    /// was looked for first (a bot was added, removed or renamed since), under `lock`.
    private var byKey: [UInt64: Int]?
    private let lock = NSLock()

    /// How many bots have a cached row.
    private(set) var count = 0

    /// An empty cache.
    init() {}

    /// The cache at `path`, over the published site in `site`; an empty one when there is none
    /// or it is damaged.
    static func read(_ path: String, site: String) -> RowCache {
        let cache = RowCache()
        guard let file = MappedFile(path: path), let parsed = parse(file.bytes) else { return cache }
        cache.mappings.append(file)
        cache.pages = parsed.pages.map(\.path)
        // Each page the rows point into, mapped when it is still the one the cache names.
        var pages: [MappedFile?] = []
        for page in parsed.pages {
            let mapped = MappedFile(path: "\(site)/\(page.path)", expecting: page.identity)
            if let mapped { cache.mappings.append(mapped) }
            pages.append(mapped)
        }
        cache.ordered.reserveCapacity(parsed.rows.count)
        for record in parsed.rows {
            // Each part's bytes, in the inline bytes or a page still as the cache names it.
            func part(_ ref: Record.Ref) -> (ByteSpan, Place)? {
                if ref.page == Record.inline { return (ByteSpan(start: parsed.inline.baseAddress! + ref.offset, count: ref.length), .none) }
                guard let page = pages[ref.page], ref.offset <= page.bytes.count, ref.length <= page.bytes.count - ref.offset else { return nil }
                return (ByteSpan(start: page.bytes.baseAddress! + ref.offset, count: ref.length), Place(page: Int32(ref.page), offset: ref.offset))
            }
            guard let atRoot = part(record.atRoot), let oneDown = part(record.oneDown), let catalogJSON = part(record.catalogJSON) else {
                cache.ordered.append((record.source, record.id, nil))
                continue
            }
            let row = Row(fingerprint: record.fingerprint, atRoot: atRoot.0, oneDown: oneDown.0, catalogJSON: catalogJSON.0,
                          places: Places(atRoot: atRoot.1, oneDown: oneDown.1, catalogJSON: catalogJSON.1))
            cache.ordered.append((record.source, record.id, row))
            cache.count += 1
        }
        return cache
    }

    /// The cached row of `key` with this fingerprint; nil when there is none.
    func row(_ key: BotKey, fingerprint: String) -> Row? {
        place(of: key, near: -1).flatMap { row(at: $0, fingerprint: fingerprint) }
    }

    /// Where `key`'s row is in the cache (nil: it has none), looked for at `guess` first.
    func place(of key: BotKey, near guess: Int) -> Int? {
        func holds(_ n: Int) -> Bool { ordered[n].id.equals(key.id) && ordered[n].source.equals(key.source) }
        if guess >= 0, guess < ordered.count, holds(guess) { return guess }
        let at = lock.withLock { () -> Int? in
            if byKey == nil {
                var places: [UInt64: Int] = [:]
                places.reserveCapacity(ordered.count)
                // A key saved twice (a damaged file) is found at its last place.
                for (n, entry) in ordered.enumerated() { places[Self.hash(entry.source, entry.id)] = n }
                byKey = places
            }
            return byKey?[Self.hash(key)]
        }
        guard let at, holds(at) else { return nil }
        return at
    }

    /// The row at `place` when it has this fingerprint.
    func row(at place: Int, fingerprint: String) -> Row? {
        guard let row = ordered[place].row, row.fingerprint.equals(fingerprint) else { return nil }
        return row
    }

    static func hash(_ key: BotKey) -> UInt64 {
        var f = Fingerprint()
        f.add(key.source)
        f.add(key.id)
        return f.value
    }

    static func hash(_ source: ByteSpan, _ id: ByteSpan) -> UInt64 {
        var f = Fingerprint()
        f.add(UnsafeRawBufferPointer(source.buffer))
        f.add(UnsafeRawBufferPointer(id.buffer))
        return f.value
    }

    /// A page's identity: a page written over or replaced since has another.
    struct Identity: Equatable {
        var inode: UInt64, size: UInt64, seconds: UInt64, nanoseconds: UInt64

        init(inode: UInt64, size: UInt64, seconds: UInt64, nanoseconds: UInt64) {
            self.inode = inode; self.size = size; self.seconds = seconds; self.nanoseconds = nanoseconds
        }

        init(_ info: stat) {
            self.init(inode: UInt64(info.st_ino), size: UInt64(info.st_size), seconds: UInt64(bitPattern: Int64(info.st_mtim.tv_sec)),
                      nanoseconds: UInt64(bitPattern: Int64(info.st_mtim.tv_nsec)))
        }

        /// The file at `path` in the folder open as `folder`.
        init?(_ path: String, in folder: Int32) {
            var info = stat()
            guard fstatat(folder, path, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            self.init(info)
        }
    }

    /// One row of the file: its key and fingerprint where they lie, and where its three parts are.
    struct Record {
        /// A part's page (an index into the pages, or `inline`), offset and length.
        struct Ref { var page: Int, offset: Int, length: Int }
        static let inline = Int(UInt32.max)
        var source, id, fingerprint: ByteSpan
        var atRoot, oneDown, catalogJSON: Ref
    }

    /// The pages, the rows and the inline bytes; nil when the file is damaged or not a row cache.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (pages: [(path: String, identity: Identity)], rows: [Record], inline: UnsafeBufferPointer<UInt8>)? {
        let head = Array(header.utf8)
        guard bytes.count >= head.count, let base = bytes.baseAddress, memcmp(base, head, head.count) == 0 else { return nil }
        let raw = UnsafeRawBufferPointer(bytes)
        var i = head.count
        func number(_ size: Int) -> Int? {
            guard size <= bytes.count - i else { return nil }
            defer { i += size }
            return size == 8 ? Int(exactly: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                             : Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
        }
        func field(_ length: Int) -> ByteSpan? {
            guard length <= bytes.count - i else { return nil }
            defer { i += length }
            return ByteSpan(start: base + i, count: length)
        }
        // A count the rest of the file cannot hold (each entry takes at least `least` bytes) is damage.
        func count(least: Int) -> Int? {
            guard let n = number(8), n <= (bytes.count - i) / least else { return nil }
            return n
        }
        guard let pageCount = count(least: 36) else { return nil }
        var pages: [(path: String, identity: Identity)] = []
        for _ in 0..<pageCount {
            guard let length = number(4), let path = field(length), let inode = number(8), let size = number(8),
                  let seconds = number(8), let nanoseconds = number(8) else { return nil }
            // Pages of the site only: a path that climbs out of it, or starts at `/`, is damage.
            let parts = path.string.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.string.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0.isEmpty }) else { return nil }
            pages.append((path.string, Identity(inode: UInt64(inode), size: UInt64(size), seconds: UInt64(seconds), nanoseconds: UInt64(nanoseconds))))
        }
        guard let rowCount = count(least: 60) else { return nil }
        var records: [Record] = []
        records.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            guard let a = number(4), let b = number(4), let c = number(4),
                  let source = field(a), let id = field(b), let fingerprint = field(c) else { return nil }
            func ref() -> Record.Ref? {
                guard let page = number(4), let offset = number(8), let length = number(4), page == Record.inline || page < pages.count else { return nil }
                return Record.Ref(page: page, offset: offset, length: length)
            }
            guard let atRoot = ref(), let oneDown = ref(), let catalogJSON = ref() else { return nil }
            records.append(Record(source: source, id: id, fingerprint: fingerprint, atRoot: atRoot, oneDown: oneDown, catalogJSON: catalogJSON))
        }
        // Then the inline bytes, to the end of the file: every inline part lies within them.
        guard let inlineCount = number(8), inlineCount == bytes.count - i else { return nil }
        let inline = UnsafeBufferPointer(start: base + i, count: inlineCount)
        for record in records {
            for part in [record.atRoot, record.oneDown, record.catalogJSON] where part.page == Record.inline {
                guard part.offset <= inline.count, part.length <= inline.count - part.offset else { return nil }
            }
        }
        return (pages, records, inline)
    }

    /// Saves the current rows (aligned with `keys`) of the site in the folder open as `site`
    /// (the staging folder: the descriptor follows it when it is swapped in): each part where
    /// this build placed it (`placed`), else where the cache had it, else inline. Written
    /// atomically.
    static func save(_ rows: Rows, keys: [BotKey], placed: Placements, site: Int32, to path: String) throws(StoreError) {
        var pages: [(path: String, identity: Identity)] = []
        // The saved page of each page placed by this build and of each the cache named (-2: not
        // looked at yet, -1: not a file of the site: those parts go inline).
        let placedPages = placed.pages, cachedPages = rows.cache.pages
        var fromPlaced = [Int](repeating: -2, count: placedPages.count), fromCached = [Int](repeating: -2, count: cachedPages.count)
        /// The saved page and offset of a place among `paths`, whose saved pages `saved` keeps.
        func resolve(_ place: Place, among paths: [String], _ saved: inout [Int]) -> (page: Int, offset: Int) {
            let p = Int(place.page)
            if saved[p] == -2 {
                if let identity = Identity(paths[p], in: site) {
                    pages.append((paths[p], identity))
                    saved[p] = pages.count - 1
                } else {
                    saved[p] = -1
                }
            }
            return (saved[p], place.offset)
        }
        let all = rows.rows
        let atRoot = placed.atRoot, oneDown = placed.oneDown, catalogJSON = placed.catalogJSON
        // Where each part goes: its saved page and offset, or inline (10,000 rows, three parts each).
        var refs = [(page: Int, offset: Int)](repeating: (Record.inline, 0), count: all.count * 3)
        var inline: [UInt8] = []
        var size = 0
        let limit = Int(UInt32.max)
        var kept = [Bool](repeating: false, count: all.count)
        for i in all.indices {
            let row = all[i]
            let source = keys[i].source.utf8.count, id = keys[i].id.utf8.count
            // A part longer than a length field holds (4 GB) is not cached: it is rendered again.
            guard source < limit, id < limit, row.fingerprint.count < limit, row.atRoot.count < limit,
                  row.oneDown.count < limit, row.catalogJSON.count < limit else { continue }
            kept[i] = true
            size += 12 + source + id + row.fingerprint.count + 3 * 16
            // The three parts one after the other (a list of them per row was an allocation per row).
            func refer(_ n: Int, _ bytes: ByteSpan, placed new: Place, cached: Place) {
                let (page, offset) = new.page >= 0 ? resolve(new, among: placedPages, &fromPlaced)
                    : cached.page >= 0 ? resolve(cached, among: cachedPages, &fromCached) : (-1, 0)
                if page >= 0, UInt64(offset + bytes.count) <= pages[page].identity.size {
                    refs[i * 3 + n] = (page, offset)
                } else {
                    refs[i * 3 + n] = (Record.inline, inline.count)
                    inline.append(contentsOf: bytes.buffer)
                }
            }
            refer(0, row.atRoot, placed: atRoot[i], cached: row.places.atRoot)
            refer(1, row.oneDown, placed: oneDown[i], cached: row.places.oneDown)
            refer(2, row.catalogJSON, placed: catalogJSON[i], cached: row.places.catalogJSON)
        }
        // The rows' entries, stored into one buffer of the size worked out above.
        var count = 0
        let entries = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var out = ByteStore(base: UnsafeMutableRawPointer(buffer.baseAddress!))
            for i in all.indices where kept[i] {
                count += 1
                let row = all[i]
                var source = keys[i].source, id = keys[i].id
                out.put(UInt32(source.utf8.count)); out.put(UInt32(id.utf8.count)); out.put(UInt32(row.fingerprint.count))
                source.withUTF8 { out.put(UnsafeRawBufferPointer($0)) }
                id.withUTF8 { out.put(UnsafeRawBufferPointer($0)) }
                out.put(UnsafeRawBufferPointer(row.fingerprint.buffer))
                for n in 0..<3 {
                    let ref = refs[i * 3 + n]
                    let length = n == 0 ? row.atRoot.count : n == 1 ? row.oneDown.count : row.catalogJSON.count
                    out.put(UInt32(ref.page)); out.put(UInt64(ref.offset)); out.put(UInt32(length))
                }
            }
            initialized = out.at
        }
        try AtomicFile.write(to: path) { sink in
            sink.write(header)
            var head: [UInt8] = []
            func add(_ value: some FixedWidthInteger) { withUnsafeBytes(of: value.littleEndian) { head.append(contentsOf: $0) } }
            add(UInt64(pages.count))
            for page in pages {
                add(UInt32(page.path.utf8.count))
                head += page.path.utf8
                add(page.identity.inode); add(page.identity.size); add(page.identity.seconds); add(page.identity.nanoseconds)
            }
            add(UInt64(count))
            head.withUnsafeBytes { sink.write($0) }
            entries.withUnsafeBytes { sink.write($0) }
            withUnsafeBytes(of: UInt64(inline.count).littleEndian) { sink.write($0) }
            inline.withUnsafeBytes { sink.write($0) }
        }
        // Earlier versions kept changed rows in a second file beside the cache.
        unlink(path + ".delta")
    }

    /// Little-endian numbers and bytes stored one after the other into memory sized for them.
    private struct ByteStore {
        let base: UnsafeMutableRawPointer
        var at = 0

        mutating func put<T: FixedWidthInteger>(_ value: T) {
            (base + at).storeBytes(of: value.littleEndian, toByteOffset: 0, as: T.self)
            at += MemoryLayout<T>.size
        }

        mutating func put(_ bytes: UnsafeRawBufferPointer) {
            if let start = bytes.baseAddress, bytes.count > 0 { (base + at).copyMemory(from: start, byteCount: bytes.count) }
            at += bytes.count
        }
    }
}

/// Where this build wrote each current bot's row parts in the site (by the bot's place among the
/// current bots): filled by the listing pages and `catalog.json` as they are rendered, in any
/// order. Of a bot's group pages the one listing the most rows is kept.
final class Placements: @unchecked Sendable {
    private let lock = NSLock()
    /// The pages places name, and how many rows each lists.
    private(set) var pages: [String] = []
    private var sizes: [Int] = []
    private(set) var atRoot: [RowCache.Place]
    private(set) var oneDown: [RowCache.Place]
    private(set) var catalogJSON: [RowCache.Place]

    init(count: Int) {
        atRoot = Array(repeating: .none, count: count)
        oneDown = atRoot
        catalogJSON = atRoot
    }

    enum Part { case atRoot, oneDown, catalogJSON }

    /// `bots[n]`'s part is at `offsets[n]` in `page`.
    func record(_ part: Part, page: String, bots: some Collection<Int>, offsets: [Int]) {
        lock.withLock {
            let id = Int32(pages.count)
            pages.append(page)
            sizes.append(offsets.count)
            // Through one buffer per page (index and catalog.json place every bot): element by
            // element, each store into the class's array checked access and uniqueness.
            let sizes = sizes
            func place(_ places: inout [RowCache.Place], keepingLargest: Bool) {
                places.withUnsafeMutableBufferPointer { places in
                    for (bot, offset) in zip(bots, offsets) where bot < places.count {
                        // The largest of a bot's group pages: the next build then maps few pages.
                        if keepingLargest, places[bot].page >= 0, sizes[Int(places[bot].page)] >= offsets.count { continue }
                        places[bot] = RowCache.Place(page: id, offset: offset)
                    }
                }
            }
            switch part {
            case .atRoot: place(&atRoot, keepingLargest: false)
            case .catalogJSON: place(&catalogJSON, keepingLargest: false)
            case .oneDown: place(&oneDown, keepingLargest: true)
            }
        }
    }
}

/// Every current bot's row (aligned with the model's current bots), with what keeps their bytes
/// alive: the cache's mappings, and the memory of the rows rendered this run.
final class Rows: @unchecked Sendable {
    var rows: [RowCache.Row] = []
    let cache: RowCache
    private var owned: [AnyObject] = []

    init(cache: RowCache) { self.cache = cache }

    /// The parts' rows one after the other, keeping what holds their bytes.
    convenience init(cache: RowCache, parts: [SiteBuilder.RowPart]) {
        self.init(cache: cache)
        rows.reserveCapacity(parts.reduce(0) { $0 + $1.rows.count })
        for part in parts {
            rows += part.rows
            keep(part.made)
        }
    }

    /// Keeps what holds some rows' bytes alive as long as these rows.
    func keep(_ owners: [AnyObject]) { owned += owners }
}

/// A file mapped read-only (nil when it is empty or cannot be), unmapped when the last user is gone.
///
/// Its pages are mapped in as it is mapped (`MAP_POPULATE`): the cache file is parsed at once,
/// and the pages it points into are read nearly whole by the listing pages written from them.
/// Mapped on first touch instead, those were a page fault per 16 pages inside the pool's
/// writes, where each core waits for its own; populated, they are mapped in one call by the
/// thread that reads the cache while the input is digested.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>

    /// `expecting`: only if the file is still that one (the identity is read from the open file).
    init?(path: String, expecting identity: RowCache.Identity? = nil) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0,
              identity == nil || RowCache.Identity(info) == identity,
              let base = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), base != MAP_FAILED else { return nil }
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
