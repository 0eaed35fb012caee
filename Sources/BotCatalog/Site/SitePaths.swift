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

    /// - Parameters:
    ///   - bots: every bot that gets a page (current and removed), with its slug and name.
    public init(bots: [(key: BotKey, slug: String, name: String)], organizations: [String], tags: [String], models: [String]) {
        var groups: [String: [(BotKey, String)]] = [:]
        // Slugs worked out in parallel; sources are few, so each is worked out once.
        let bases = bots.parallelMap {
            Self.segment($0.slug) ?? Self.segment($0.name) ?? "bot"
        }
        var folders: [String: String] = [:]
        for (bot, base) in zip(bots, bases) {
            let folder = folders[bot.key.source] ?? {
                let folder = Self.segment(bot.key.source) ?? "source"
                folders[bot.key.source] = folder
                return folder
            }()
            groups["\(folder)/\(base)", default: []].append((bot.key, base))
        }
        for (path, members) in groups {
            if members.count == 1 {
                self.bots[members[0].0] = "bots/\(path).html"
            } else {
                for (key, _) in members {
                    self.bots[key] = "bots/\(path)-\(Self.shortHash(key.description)).html"
                }
            }
        }
        botsInOrder = bots.map { self.bots[$0.key] ?? "" }
        self.organizations = Self.unique(organizations, folder: "organizations")
        self.tags = Self.unique(tags, folder: "tags")
        self.models = Self.unique(models, folder: "models")
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
        // Most slugs are ASCII, where folding is lowercasing: Foundation's folding is skipped.
        let folded = text.utf8.allSatisfy { $0 < 0x80 } ? text.lowercased()
            : text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: posix).lowercased()
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
        var last: Substring = ""
        for page in pages {
            guard let slash = page.lastIndex(of: "/"), page[..<slash] != last else { continue }
            last = page[..<slash]
            var folder = last
            while folders.insert(String(folder)).inserted, let up = folder.lastIndex(of: "/") { folder = folder[..<up] }
        }
        return folders
    }

    /// `../` repeated for the depth of `path`, the way back to the site root.
    public static func root(of path: String) -> String {
        String(repeating: "../", count: path.split(separator: "/").count - 1)
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
    public var hex: String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for i in 0..<16 { buffer[i] = Self.hexDigits[Int((value >> UInt64(60 - 4 * i)) & 0xF)] }
            return 16
        }
    }
}
