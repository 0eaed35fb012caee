import Foundation

/// A bot as the catalog knows it: what was fetched plus when it was seen and changed.
public struct CatalogEntry: Sendable, Equatable {
    public var bot: Bot
    /// True when the bot's source failed this run and the bot was carried over unverified.
    public var stale: Bool
    public var firstSeen: String
    public var lastSeen: String
    public var lastChanged: String

    public init(bot: Bot, stale: Bool = false, firstSeen: String, lastSeen: String, lastChanged: String) {
        self.bot = bot
        self.stale = stale
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.lastChanged = lastChanged
    }

    public var key: BotKey { bot.key }
}

/// How a source's fetch ended.
public enum SourceState: String, Sendable, Equatable {
    /// Every listing was fetched and added up.
    case complete
    /// Some organizations or keys failed; their bots were carried over as stale.
    case partial
    /// Nothing could be fetched; all its bots were carried over as stale.
    case failed
}

/// Provenance of one source in one run.
public struct SourceStatus: Sendable, Equatable {
    public var name: String
    public var platform: Platform
    public var state: SourceState
    /// One line per failed organization or key, saying what to fix.
    public var problems: [String]
    public var requests: Int
    public var bots: Int
    public var rateLimitWaits: Int
    public var retries: Int

    public init(name: String, platform: Platform, state: SourceState, problems: [String] = [],
                requests: Int = 0, bots: Int = 0, rateLimitWaits: Int = 0, retries: Int = 0) {
        self.name = name
        self.platform = platform
        self.state = state
        self.problems = problems
        self.requests = requests
        self.bots = bots
        self.rateLimitWaits = rateLimitWaits
        self.retries = retries
    }
}

/// The whole catalog at one moment, with where it came from.
public struct Snapshot: Sendable, Equatable {
    /// Bumped when the file layout changes; older files are migrated or refused, never misread.
    public static let formatVersion = 1

    public var takenAt: String
    public var sources: [SourceStatus]
    /// Sorted by key.
    public var entries: [CatalogEntry]

    public init(takenAt: String, sources: [SourceStatus], entries: [CatalogEntry]) {
        self.takenAt = takenAt
        self.sources = sources.sorted { $0.name < $1.name }
        self.entries = entries.sorted { $0.key < $1.key }
    }

    public var isComplete: Bool { sources.allSatisfy { $0.state == .complete } }

    public func entry(for key: BotKey) -> CatalogEntry? {
        // Entries are sorted: binary search keeps lookups cheap on large catalogs.
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low < entries.count && entries[low].key == key ? entries[low] : nil
    }
}
