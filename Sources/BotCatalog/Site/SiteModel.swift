import Foundation

/// What the site is built from: the current snapshot and the whole history.
public struct SiteInput: Sendable {
    public var title: String
    public var baseURL: String?
    public var snapshot: Snapshot
    /// Oldest first.
    public var history: [HistoryEntry]

    public init(title: String, baseURL: String?, snapshot: Snapshot, history: [HistoryEntry]) {
        self.title = title
        self.baseURL = baseURL
        self.snapshot = snapshot
        self.history = history
    }
}

/// One thing that happened to a bot, for its timeline.
struct BotEvent: Sendable {
    enum Kind: String, Sendable { case added, changed, removed }
    var at: String
    var kind: Kind
    var changes: [FieldChange]
    /// For changes from a history entry read from its file: a print of where they are in it (the
    /// file's print, their place), which stands for them in page prints (a year of a bot's
    /// description revisions was walked byte by byte for its page's print on every build).
    var print: UInt64? = nil
}

/// A removed bot that keeps a page.
struct Tombstone: Sendable {
    var bot: Bot
    var removedAt: String
}

/// Everything derived from the input that pages share: groups, paths, timelines. Pure.
struct SiteModel: Sendable {
    let input: SiteInput
    /// Current bots, by display name.
    let current: CurrentBots
    let tombstones: [BotKey: Tombstone]
    /// Each bot's events, newest first (`events(_:current:)`): a current bot's by its place in
    /// the snapshot, the others' by key. Most bots are current, and their events are then
    /// gathered and found without hashing a key.
    let timelines: Timelines
    let paths: SitePaths
    let organizationNames: [String: String]
    let organizations: [String: [Int]]
    let tags: [String: [Int]]
    let models: [String: [Int]]
    let sources: [String: SourceStatus]

    /// What pages need of each current bot (aligned with `current`), worked out once.
    let facts: [BotFacts]
    /// Each current bot's page (aligned with `current`).
    let currentPaths: [String]
    /// Where each snapshot entry stands in `current`: pages in snapshot order (catalog.json,
    /// the sitemap) find a bot's row and page without a lookup by key.
    let rank: [Int]
    /// The snapshot index of each current bot (the inverse of `rank`).
    var order: [Int] { current.order }

    struct BotFacts: Sendable {
        /// Tags and model as pages show them (and as their group pages are named).
        let tags: [String]
        let model: String?
        /// Its page unless another bot's collides with it (`SitePaths.botPages` sees to that).
        let page: String

        init(_ bot: Bot) {
            self = withUnsafePointer(to: bot) { BotFacts($0) }
        }

        /// The facts of the bot at `bot`, read where it lies (a copy retains and releases its
        /// dozen references, for every bot on every run).
        init(_ bot: UnsafePointer<Bot>) {
            var tags = Bot.tags(bot.pointee.fields)
            // Cleaned in place: most tags come back as they are, and no second array is made.
            for i in tags.indices {
                let cleaned = DisplayText.clean(tags[i], limit: 100)
                if cleaned != tags[i] { tags[i] = cleaned }
            }
            self.tags = tags
            model = Bot.model(bot.pointee.fields, platform: bot.pointee.platform).map { DisplayText.clean($0, limit: 100) }
            page = SitePaths.candidate(source: bot.pointee.source, slug: bot.pointee.slug, name: bot.pointee.name)
        }
    }

    /// The model of `input`, all of it worked out here: the bots' facts in parallel, with the
    /// display order and the timelines as units of the same pool, as beside the digest (`Parts`).
    init(_ input: SiteInput) {
        let parts = Parts(input)
        parts.facts.fulfill(input.snapshot.entries.parallelMapInPlace(beside: parts.units) { BotFacts(CatalogEntry.bot(at: $1)) })
        self = parts.model()
    }

    /// `facts`: the bots' facts in snapshot order (`Parts`).
    private init(_ input: SiteInput, ordered: Ordered, facts bySnapshot: [BotFacts],
                 timelines: (events: Timelines, tombstones: [BotKey: Tombstone])) {
        self.input = input
        // The per-bot text work (parsing tags, cleaning, slugs) was done in parallel, in the
        // facts; what is left below is putting them in display order and building dictionaries.
        let current = ordered.current
        self.current = current
        rank = ordered.rank
        var pageKeys = ordered.keys
        let facts = current.order.parallelMap { bySnapshot[$0] }
        self.facts = facts
        self.timelines = timelines.events
        tombstones = timelines.tombstones

        // The bots' pages are worked out side by side with the groups: both walk every bot, and
        // neither needs the other.
        var candidates = facts.map(\.page)
        for tombstone in tombstones.values {
            pageKeys.append(tombstone.bot.key)
            candidates.append(SitePaths.candidate(source: tombstone.bot.source, slug: tombstone.bot.slug, name: tombstone.bot.name))
        }
        let (botPages, (tags, models)) = sideBySide({ [pageKeys, candidates] in SitePaths.botPages(keys: pageKeys, candidates: candidates) },
                                                    { () -> ([String: [Int]], [String: [Int]]) in
            var tags: [String: [Int]] = [:], models: [String: [Int]] = [:]
            // Each bot's facts read where they lie: a copy retains its strings, whose counts'
            // cache lines the other core had just written when it made `facts`.
            facts.withUnsafeBufferPointer { facts in
                for i in current.indices {
                    let bot = facts.baseAddress! + i
                    for j in bot.pointee.tags.indices { tags[bot.pointee.tags[j], default: []].append(i) }
                    if let model = bot.pointee.model { models[model, default: []].append(i) }
                }
            }
            return (tags, models)
        })
        organizationNames = ordered.organizationNames
        organizations = ordered.organizations
        self.tags = tags
        self.models = models
        sources = Dictionary(input.snapshot.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        paths = SitePaths(bots: botPages, organizations: Array(ordered.organizations.keys), tags: Array(tags.keys), models: Array(models.keys))
        currentPaths = Array(paths.botsInOrder.prefix(current.count))
    }

    /// What the model takes from the bots' names and organizations alone: the display order,
    /// each entry's place in it, the bots' keys in that order, and the organizations' members
    /// (in display order, as the bots come) and names.
    struct Ordered: Sendable {
        let current: CurrentBots
        let rank: [Int]
        let keys: [BotKey]
        let organizations: [String: [Int]]
        let organizationNames: [String: String]

        init(_ entries: [CatalogEntry]) {
            // The names are ordered as bytes (`NameOrder`).
            let order = NameOrder.order(entries)
            let current = CurrentBots(entries: entries, order: order)
            self.current = current
            var rank = [Int](repeating: 0, count: entries.count)
            for (position, entry) in order.enumerated() { rank[entry] = position }
            self.rank = rank
            keys = current.indices.map { current[$0].key }
            var names: [String: String] = [:]
            var members: [String: [Int]] = [:]
            for i in current.indices {
                guard let org = current[i].bot.organization else { continue }
                members[org, default: []].append(i)
                if let name = current[i].bot.organizationName, !name.isEmpty { names[org] = name }
            }
            organizations = members
            organizationNames = names
        }
    }

    /// The model made beside the digest, in its pool (`InputDigest.init`'s `beside`): the display
    /// order with the organizations, and the timelines, are a unit of work each, taken before
    /// the bots' chunks; the facts come from the digest's own walk of each bot. The model made of
    /// them then does only what needs the facts.
    ///
    /// (A thread of its own for the model, started as the digest took both cores, waited its
    /// turn: at 1,000 bots it often began after the digest had ended, and the model's
    /// 0.3 ms name order then ran after it.)
    final class Parts: @unchecked Sendable {
        let input: SiteInput
        /// For the digest to fill (`InputDigest.init`'s `facts`).
        let facts = Handoff<[BotFacts]>()
        private let ordered = Handoff<Ordered>()
        private let timelines = Handoff<(events: Timelines, tombstones: [BotKey: Tombstone])>()

        init(_ input: SiteInput) { self.input = input }

        /// The units to run beside the digest's chunks.
        var units: [@Sendable () -> Void] {
            [{ [self] in ordered.fulfill(Ordered(input.snapshot.entries)) },
             { [self] in timelines.fulfill(SiteModel.timelines(input)) }]
        }

        /// The model, once the digest has run the units and filled the facts.
        func model() -> SiteModel {
            SiteModel(input, ordered: ordered.value, facts: facts.value, timelines: timelines.value)
        }
    }

    /// Each bot's events, newest first: a current bot's by its place among the snapshot's entries, the others' by key.
    struct Timelines: Sendable {
        var current: [[BotEvent]]
        var others: [BotKey: [BotEvent]] = [:]
        /// Each run's listed bots' places in the snapshot (history order), for the runs' pages.
        var places: [RunPlaces] = []
    }

    /// Where a run's added, removed and changed bots stand in the snapshot (nil: not there).
    struct RunPlaces: Sendable {
        var added: [Int?], removed: [Int?], changed: [Int?]
    }

    /// Each bot's events, and the removed bots' tombstones.
    static func timelines(_ input: SiteInput) -> (events: Timelines, tombstones: [BotKey: Tombstone]) {
        // The history newest first, so each bot's events come out in the order pages show them;
        // a bot's tombstone is its newest removal, unless it was added again since or is current.
        var tombstones: [BotKey: Tombstone] = [:]
        var events = Timelines(current: Array(repeating: [], count: input.snapshot.entries.count))
        input.snapshot.entries.withUnsafeBufferPointer { entries in
            var finder = SnapshotPlaces(entries)
            // (The key is made only for a bot that is not current.)
            func append(_ event: BotEvent, at place: Int?, _ key: @autoclosure () -> BotKey) {
                if let place { events.current[place].append(event) } else { events.others[key(), default: []].append(event) }
            }
            events.places.reserveCapacity(input.history.count)
            for entry in input.history.reversed() {
                // Each list is sorted by key, as the snapshot is: their places are found walking both.
                let removed = finder.find(entry.changes.removed) { ($0.pointee.source, $0.pointee.id) }
                for (i, bot) in entry.changes.removed.enumerated().reversed() {
                    // A current bot has no tombstone.
                    if removed[i] == nil, events.others[bot.key]?.contains(where: { $0.kind != .changed }) != true {
                        tombstones[bot.key] = Tombstone(bot: bot, removedAt: entry.at)
                    }
                    append(BotEvent(at: entry.at, kind: .removed, changes: []), at: removed[i], bot.key)
                }
                let changed = finder.find(entry.changes.changed) { ($0.pointee.bot.source, $0.pointee.bot.id) }
                for (i, change) in entry.changes.changed.enumerated().reversed() {
                    let print = entry.filePrint.map { file -> UInt64 in
                        var f = Fingerprint()
                        f.add(file)
                        f.add(UInt64(i))
                        return f.value
                    }
                    append(BotEvent(at: entry.at, kind: .changed, changes: change.fields, print: print), at: changed[i], change.bot.key)
                }
                let added = finder.find(entry.changes.added) { ($0.pointee.source, $0.pointee.id) }
                events.places.append(RunPlaces(added: added, removed: removed, changed: changed))
                // By index: each ref copied out would retain its five strings (the first run adds every bot).
                for i in added.indices.reversed() {
                    append(BotEvent(at: entry.at, kind: .added, changes: []), at: added[i], entry.changes.added[i].key)
                }
            }
        }
        events.places.reverse()
        return (events, tombstones)
    }

    /// A bot's events, newest first: `current` is its place in `current` (nil for a removed bot).
    func events(_ key: BotKey, current: Int?) -> [BotEvent] {
        if let current { return timelines.current[order[current]] }
        return timelines.others[key] ?? []
    }

    /// A bot's events, newest first, by key alone.
    func events(_ key: BotKey) -> [BotEvent] {
        if let place = SnapshotPlaces.find([key], in: input.snapshot.entries, key: { ($0.pointee.source, $0.pointee.id) })[0] { return timelines.current[place] }
        return timelines.others[key] ?? []
    }

    func organizationName(_ id: String?) -> String? {
        guard let id else { return nil }
        return organizationNames[id] ?? id
    }
}

/// The current bots in display order: the snapshot's entries seen through their order, not
/// copied. A copy of 10,000 bots retains a dozen references each, and freeing it at the end of
/// the build costs as much again.
struct CurrentBots: RandomAccessCollection, Sendable {
    let entries: [CatalogEntry]
    /// The snapshot index of each bot, in display order.
    let order: [Int]

    var startIndex: Int { 0 }
    var endIndex: Int { order.count }

    /// Read where it lies (copying a whole bot out retains each of its references).
    subscript(position: Int) -> CatalogEntry {
        _read { yield entries[order[position]] }
    }

    /// The bot at `position`, where it lies, for `body`.
    func withEntry<R>(_ position: Int, _ body: (UnsafePointer<CatalogEntry>) -> R) -> R {
        entries.withUnsafeBufferPointer { body($0.baseAddress! + order[position]) }
    }

    /// `parallelMap` over the bots in display order, each handed over with its position and
    /// where it lies (`Array.parallelMapInPlace`: a copy of each would cost more than most uses).
    func parallelMapInPlace<U>(workers: Int = Cores.usable,
                               _ transform: @Sendable (Int, UnsafePointer<CatalogEntry>) -> U) -> [U] {
        entries.withUnsafeBufferPointer { entries in
            guard let start = entries.baseAddress else { return [] }
            nonisolated(unsafe) let first = start
            return order.parallelMapIndexed(workers: workers) { position, index in transform(position, first + index) }
        }
    }
}

/// Where keys stand among a snapshot's entries, which are sorted by key. A list in that order
/// too (a run's added, changed and removed bots) is walked alongside them, each found at the
/// cursor or after a binary search; a list in any other order is found all the same, each by
/// search. A key found at the cursor costs one compare; once more keys were searched than a
/// quarter of the entries (a long history's changes, scattered), the rest are found in a table
/// by key, made then.
///
/// Snapshots keep their entries sorted (`Snapshot.init` sorts them, the state store refuses a
/// file that is not): entries set otherwise are checked for once, and then found through a
/// table by key instead, so no bot is given another's place or none.
struct SnapshotPlaces {
    let entries: UnsafeBufferPointer<CatalogEntry>
    /// Each key's place, when the entries are not in order, or once they have been searched
    /// often (nil: searched in order).
    private var table: [BotKey: Int]?
    /// Searches left before the table is made: a year of history is some 36,000 bots scattered
    /// over 10,000 entries, each searched at a dozen string compares.
    private var searchesLeft: Int

    init(_ entries: UnsafeBufferPointer<CatalogEntry>) {
        self.entries = entries
        func precedes(_ a: UnsafePointer<CatalogEntry>, _ b: UnsafePointer<CatalogEntry>) -> Bool {
            BotKey.precedes(a.pointee.bot.source, a.pointee.bot.id, b.pointee.bot.source, b.pointee.bot.id)
        }
        let sorted = entries.count < 2 || (1..<entries.count).allSatisfy { precedes(entries.baseAddress! + $0 - 1, entries.baseAddress! + $0) }
        table = sorted ? nil : Self.table(entries)
        searchesLeft = max(256, entries.count / 4)
    }

    private static func table(_ entries: UnsafeBufferPointer<CatalogEntry>) -> [BotKey: Int] {
        Dictionary(entries.indices.map { (entries[$0].key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each item's place (nil: not in the snapshot). `key` reads an item where it lies (a copy
    /// of a ref retains its five strings).
    mutating func find<Item>(_ items: [Item], key: (UnsafePointer<Item>) -> (source: String, id: String)) -> [Int?] {
        var cursor = 0
        return items.withUnsafeBufferPointer { items in items.indices.map { n -> Int? in
            let (source, id) = key(items.baseAddress! + n)
            if let table { return table[BotKey(source: source, id: id)] }
            func isAt(_ i: Int) -> Bool { entries[i].bot.id == id && entries[i].bot.source == source }
            if cursor < entries.count, isAt(cursor) {
                cursor += 1
                return cursor - 1
            }
            searchesLeft -= 1
            if searchesLeft < 0 {
                let made = Self.table(entries)
                table = made
                return made[BotKey(source: source, id: id)]
            }
            var low = 0, high = entries.count
            while low < high {
                let mid = (low + high) / 2
                let entry = entries.baseAddress! + mid
                if BotKey.precedes(entry.pointee.bot.source, entry.pointee.bot.id, source, id) { low = mid + 1 } else { high = mid }
            }
            guard low < entries.count, isAt(low) else { return nil }
            cursor = low + 1
            return low
        } }
    }

    /// `find` among `entries`, checked for their order first.
    static func find<Item>(_ items: [Item], in entries: [CatalogEntry], key: (UnsafePointer<Item>) -> (source: String, id: String)) -> [Int?] {
        entries.withUnsafeBufferPointer {
            var places = SnapshotPlaces($0)
            return places.find(items, key: key)
        }
    }
}
