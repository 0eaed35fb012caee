import Foundation

/// File names for pages, made from untrusted slugs and names. A name is lowercase ASCII
/// letters, digits and dashes only, so it can never contain `/`, `..`, or differ only by case;
/// names that collide get a stable suffix from the bot's identity.
public struct SitePaths: Sendable {
    public private(set) var bots: [BotKey: String] = [:]
    public private(set) var organizations: [String: String] = [:]
    public private(set) var tags: [String: String] = [:]
    public private(set) var models: [String: String] = [:]
    /// The bots' pages in the order `init` was given the bots (no lookup by key needed).
    public private(set) var botsInOrder: [String] = []
    /// The folders holding the bots' pages (with the folders above).
    public private(set) var botFolders: Set<String> = []

    /// `bots`: every bot's page, as `botPages` made them (worked out apart: it walks every bot).
    init(bots: BotPages, organizations: [String], tags: [String], models: [String]) {
        self.bots = bots.byKey
        botsInOrder = bots.inOrder
        botFolders = bots.folders
        self.organizations = Self.unique(organizations, folder: "organizations")
        self.tags = Self.unique(tags, folder: "tags")
        self.models = Self.unique(models, folder: "models")
    }

    struct BotPages: Sendable {
        var byKey: [BotKey: String] = [:]
        var inOrder: [String] = []
        /// The folders holding them (with the folders above).
        var folders: Set<String> = []
    }

    /// Each bot's page, in the order given and by key: `bots` are every bot that gets a page
    /// (current and removed), with its slug and name.
    static func botPages(_ bots: [(key: BotKey, slug: String, name: String)]) -> BotPages {
        // Each page's path made in parallel.
        botPages(keys: bots.map(\.key), candidates: bots.parallelMap { candidate(source: $0.key.source, slug: $0.slug, name: $0.name) })
    }

    /// A bot's page unless another bot's collides with it.
    static func candidate(source: String, slug: String, name: String) -> String {
        asciiCandidate(source: source, slug: slug, name: name)
            ?? "bots/\(Self.segment(source) ?? "source")/\(Self.segment(slug) ?? Self.segment(name) ?? "bot").html"
    }

    /// `candidate` when the texts it is made of are ASCII (nil otherwise), made in one buffer on
    /// the stack: interpolating the segments made four strings per bot, on every run.
    static func asciiCandidate(source: String, slug: String, name: String) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 5 + maxSegment + 1 + maxSegment + 5) { buffer -> String? in
            var count = 0
            func put(_ text: StaticString) {
                for i in 0..<text.utf8CodeUnitCount { buffer[count + i] = text.utf8Start[i] }
                count += text.utf8CodeUnitCount
            }
            /// The segment of `text` written at the end, or `fallback`'s when it has none; false
            /// when `text` is not ASCII.
            func putSegment(_ text: String, or fallback: () -> Bool) -> Bool {
                guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return false }
                let written = writeASCIISegment(text, into: buffer.baseAddress! + count)
                count += written
                return written > 0 || fallback()
            }
            put("bots/")
            guard putSegment(source, or: { put("source"); return true }) else { return nil }
            put("/")
            guard putSegment(slug, or: { putSegment(name, or: { put("bot"); return true }) }) else { return nil }
            put(".html")
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// `botPages` from each bot's key and `candidate` page (the model has those of the current
    /// bots from their facts): only the paths that collide are looked at again.
    static func botPages(keys: [BotKey], candidates: [String]) -> BotPages {
        var pages = BotPages()
        pages.inOrder = candidates
        // The pages by key are gathered side by side with the colliding ones, which are put right after.
        let (byKey, colliding) = sideBySide({ () -> [BotKey: String] in
            var byKey: [BotKey: String] = [:]
            byKey.reserveCapacity(keys.count)
            for (key, path) in zip(keys, candidates) { byKey[key] = path }
            return byKey
        }, { () -> Set<String> in
            // Looked for by the paths' hashes: a set of the paths themselves retained each one
            // while the other side retained the same ones for its table, the two passing their
            // counts' cache lines back and forth. Paths are looked at again only when two hash alike.
            candidates.withUnsafeBufferPointer { paths -> Set<String> in
                var hashes = Set<Int>(minimumCapacity: paths.count)
                guard paths.indices.contains(where: { !hashes.insert(paths[$0].hashValue).inserted }) else { return [] }
                var seen = Set<String>(minimumCapacity: paths.count)
                var colliding = Set<String>()
                for path in paths where !seen.insert(path).inserted { colliding.insert(path) }
                return colliding
            }
        })
        // Names that collide all get the suffix, so no bot's URL depends on which came first.
        pages.byKey = byKey
        for i in pages.inOrder.indices where !colliding.isEmpty && colliding.contains(pages.inOrder[i]) {
            pages.inOrder[i] = "\(pages.inOrder[i].dropLast(5))-\(Self.shortHash(keys[i].description)).html"
            pages.byKey[keys[i]] = pages.inOrder[i]
        }
        // In parts on all cores (a suffix never changes a page's folder).
        let inOrder = pages.inOrder
        pages.folders = Array(stride(from: 0, to: inOrder.count, by: 4096)).parallelMap(minimum: 2) { start in
            folders(holding: inOrder[start..<min(start + 4096, inOrder.count)])
        }.reduce(into: []) { $0.formUnion($1) }
        return pages
    }

    static func unique(_ names: [String], folder: String) -> [String: String] {
        var groups: [String: [String]] = [:]
        for name in Set(names) {
            groups[segment(name) ?? "x", default: []].append(name)
        }
        var out: [String: String] = [:]
        for (base, members) in groups {
            // `index` is the folder's own listing page.
            if members.count == 1 && base != "index" {
                out[members[0]] = "\(folder)/\(base).html"
            } else {
                for name in members { out[name] = "\(folder)/\(base)-\(shortHash(name)).html" }
            }
        }
        return out
    }

    /// A safe path segment, or nil when nothing readable is left (e.g. only CJK or symbols).
    public static func segment(_ text: String) -> String? {
        // Most slugs are ASCII, where folding is lowercasing: done byte by byte.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return asciiSegment(text) }
        return foldedSegment(text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: posix).lowercased())
    }

    /// The segment of folded, lowercased text: runs of ASCII letters and digits joined by one dash, at most 80 bytes.
    static func foldedSegment(_ folded: String) -> String? {
        var out = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                if pendingDash && !out.isEmpty { out += "-" }
                pendingDash = false
                out.unicodeScalars.append(scalar)
                if out.utf8.count >= 80 { break }
            } else {
                pendingDash = true
            }
        }
        return out.isEmpty ? nil : out
    }

    /// `segment` of ASCII text: the same rules on bytes.
    static func asciiSegment(_ text: String) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxSegment) { buffer -> String? in
            let count = writeASCIISegment(text, into: buffer.baseAddress!)
            return count == 0 ? nil : String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// The most bytes a segment takes: it stops once it reaches 80, after a dash and a byte.
    static let maxSegment = 81

    /// `asciiSegment` of `text` written at `out` (room for `maxSegment` bytes); how many bytes it
    /// took, 0 when nothing readable is left. `text` is ASCII.
    static func writeASCIISegment(_ text: String, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var count = 0
        var pendingDash = false
        for var byte in text.utf8 {
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
            if (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                if pendingDash && count > 0 { out[count] = UInt8(ascii: "-"); count += 1 }
                pendingDash = false
                out[count] = byte
                count += 1
                if count >= 80 { break }
            } else {
                pendingDash = true
            }
        }
        return count
    }

    /// 8 hex digits of FNV-1a: stable across runs and machines (unlike `Hasher`).
    private static let posix = Locale(identifier: "en_US_POSIX")

    public static func shortHash(_ text: String) -> String {
        // FNV-1a as it always was: these digits are in published URLs and feed ids.
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 + [0xFF] {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        return String(format: "%08x", UInt32(truncatingIfNeeded: value >> 16))
    }

    /// Every folder that holds one of `pages` (relative paths), with the folders above it.
    /// Pages come folder by folder, so a folder is looked up once per run of its pages.
    static func folders(holding pages: some Sequence<String>) -> Set<String> {
        var folders = Set<String>()
        var last: [UInt8] = []
        // On the bytes where they lie: a slash is one byte in UTF-8, and the generic search of a
        // `UTF8View` from its end walked index by index (10,000 pages on every run).
        func lastSlash(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int? {
            var i = end - 1
            while i >= 0 { if bytes[i] == UInt8(ascii: "/") { return i }; i -= 1 }
            return nil
        }
        for var page in pages {
            page.withUTF8 { bytes in
                guard let slash = lastSlash(bytes, before: bytes.count),
                      !(slash == last.count && (slash == 0 || memcmp(last, bytes.baseAddress!, slash) == 0)) else { return }
                last = Array(bytes[..<slash])
                var end = slash
                while folders.insert(String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)).inserted,
                      let up = lastSlash(bytes, before: end) { end = up }
            }
        }
        return folders
    }

    /// `../` repeated for the depth of `path`, the way back to the site root.
    /// Its non-empty segments are counted as `split` would, without making them (once per page).
    public static func root(of path: String) -> String {
        var segments = 0
        var inSegment = false
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                inSegment = false
            } else if !inSegment {
                inSegment = true
                segments += 1
            }
        }
        switch segments {
        case ...1: return ""
        case 2: return "../"
        case 3: return "../../"
        default: return String(repeating: "../", count: segments - 1)
        }
    }
}

/// A fast, stable 64-bit fingerprint of page inputs for incremental builds: eight bytes per
/// multiply (bot texts are hashed on every run, 20 MB at 10,000 bots), then the length, so
/// ("ab", "c") and ("a", "bc") differ. Not for security; a collision only means a page is not
/// re-rendered until its next change.
public struct Fingerprint: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    private static let wordPrime: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let bytePrime: UInt64 = 0x0000_0100_0000_01B3

    public mutating func add(_ text: String) {
        // Read where it lies when it can be: a copy to call `withUTF8` on retains the string.
        if text.utf8.withContiguousStorageIfAvailable({ add(UnsafeRawBufferPointer($0)) }) != nil { return }
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    public mutating func add(_ data: Data) {
        data.withUnsafeBytes { add($0) }
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = value
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* Self.wordPrime
            h ^= h >> 29
            i += 8
        }
        while i < bytes.count {
            h = (h ^ UInt64(bytes[i])) &* Self.bytePrime
            i += 1
        }
        h = (h ^ UInt64(bytes.count) ^ 0xFF00_0000_0000_0000) &* Self.wordPrime
        value = h ^ (h >> 32)
    }

    @inline(__always)
    mutating func addByte(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= Self.bytePrime
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// 16 lowercase hex digits (`String(format:)` costs a microsecond, and every page has a print).
    public var hex: String { Self.hex(value) }

    /// `value` as 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for i in 0..<16 { buffer[i] = Self.hexDigits[Int((value >> UInt64(60 - 4 * i)) & 0xF)] }
            return 16
        }
    }
}
