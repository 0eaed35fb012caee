/// One print of everything a site is rendered from except the time of the check: the templates,
/// the title and base URL, every bot as pages show it, the sources' states and the history.
/// A run whose digest equals the last build's has nothing new to show but "last checked", so
/// the build only refreshes the changelog (`SiteBuilder.quickUpdate`).
///
/// What no page shows is left out, as in the page fingerprints: a current bot's `lastSeen`, and
/// the snapshot's time unless a bot is stale (its banner quotes the check).
struct InputDigest: Sendable, Equatable {
    /// Each snapshot entry's data (snapshot order): the per-bot part page fingerprints build on.
    let bots: [UInt64]
    /// Each history entry's data (history order): all its changes hold, for the runs' pages.
    let runs: [UInt64]
    let value: String

    /// `facts`: when a model is being made beside the digest, the bots' facts (in snapshot order)
    /// are worked out here too and handed over: the walk has just brought each bot's data into
    /// the cache, and the model need not walk it again. `beside`: other work for the same pool
    /// (`SiteModel.Parts`), done by the time the digest is.
    init(_ input: SiteInput, templateHash: String, facts: Handoff<[SiteModel.BotFacts]>? = nil, beside: [@Sendable () -> Void] = []) {
        // In parallel: each bot's print walks all its data.
        if let facts {
            let both = input.snapshot.entries.parallelMapInPlace(beside: beside) { _, entry -> (UInt64, SiteModel.BotFacts) in
                (Self.print(entry), SiteModel.BotFacts(CatalogEntry.bot(at: entry)))
            }
            facts.fulfill(both.map(\.1))
            bots = both.map(\.0)
        } else {
            bots = input.snapshot.entries.parallelMapInPlace(beside: beside) { _, entry in Self.print(entry) }
        }
        var f = Fingerprint()
        f.add("botcatalog-input-v2")
        f.add(templateHash)
        f.add(input.title)
        f.add(input.baseURL ?? "-")
        for print in bots { f.add(print) }
        if input.snapshot.entries.contains(where: \.stale) { f.add(input.snapshot.takenAt) }
        for source in input.snapshot.sources {
            f.add(source.name); f.add(source.platform.rawValue); f.add(source.state.rawValue)
            for problem in source.problems { f.add(problem) }
            f.add("end of source")
        }
        // The history: everything a run holds (`HistoryEntry`), in its order.
        let runs = input.history.parallelMap { entry -> UInt64 in
            var f = Fingerprint()
            // An entry read from its file (or filed by this run) by its bytes' print.
            if let print = entry.filePrint {
                f.add("history file")
                f.add(print)
                return f.value
            }
            f.add(entry.at)
            // The added refs in chunks, on all cores when there are several: the first run adds
            // every bot, and walking its refs on one thread was the digest's tail, with a core idle.
            for chunk in Self.chunkPrints(entry.changes.added) { f.add(chunk) }
            f.add("removed")
            for bot in entry.changes.removed { f.add(Self.print(bot)) }
            f.add("changed")
            for change in entry.changes.changed {
                f.add(change.bot)
                f.add(change.previousName ?? "-")
                f.add(UInt64(change.fields.count))
                for field in change.fields { f.add(field) }
            }
            return f.value
        }
        for run in runs { f.add(run) }
        self.runs = runs
        value = Self.historyKey(input.history) + f.hex
    }

    /// The prints of `refs` in chunks (each ref read where it lies: a copy of each retains its five strings).
    static func chunkPrints(_ refs: [BotRef]) -> [UInt64] {
        refs.withUnsafeBufferPointer { refs -> [UInt64] in
            nonisolated(unsafe) let refs = refs
            return chunkPrints(refs.count) { $0.add(refAt: refs.baseAddress! + $1) }
        }
    }

    /// The prints of `count` items in chunks of 1,024, in order, on all cores when there are
    /// several: `add` adds the item at an index to its chunk's print. (A run's list of bots:
    /// the first run lists every bot.)
    static func chunkPrints(_ count: Int, _ add: @Sendable (inout Fingerprint, Int) -> Void) -> [UInt64] {
        let size = 1024
        return Array(stride(from: 0, to: count, by: size)).parallelMap(minimum: 2) { start -> UInt64 in
            var chunk = Fingerprint()
            for i in start..<min(start + size, count) { add(&chunk, i) }
            return chunk.value
        }
    }

    /// The history in brief, which the digest starts with: its length and its newest run's time.
    /// A run with changes adds a history entry, so a build whose key is not the last build's
    /// can tell before digesting anything that it has more to do than the quick update.
    static func historyKey(_ history: [HistoryEntry]) -> String {
        var f = Fingerprint()
        f.add(UInt64(history.count))
        f.add(history.last?.at ?? "-")
        return f.hex
    }

    /// A snapshot entry as pages show it: the bot, whether it is stale, when it was first seen and changed.
    static func print(_ entry: UnsafePointer<CatalogEntry>) -> UInt64 {
        var f = Fingerprint()
        // The bot read where it lies in the entry: passing `entry.pointee.bot` on copies it, which
        // retains and releases its dozen references (for every bot, on every run).
        f.add(Self.print(CatalogEntry.bot(at: entry)))
        f.add(entry.pointee.stale ? "stale:\(entry.pointee.lastSeen)" : "current")
        f.add(entry.pointee.firstSeen); f.add(entry.pointee.lastChanged)
        return f.value
    }

    /// Everything a bot holds. Its fields by the print made while they were read, when they were
    /// (a fetched bot's): the same value the walk gives, without walking them.
    static func print(_ bot: Bot) -> UInt64 {
        withUnsafePointer(to: bot) { print($0) }
    }

    /// `print(_:)` of the bot at `bot`, reading only its stored properties, in place.
    static func print(_ bot: UnsafePointer<Bot>) -> UInt64 {
        var f = Fingerprint()
        f.add(bot.pointee.source); f.add(bot.pointee.platform.rawValue); f.add(bot.pointee.id); f.add(bot.pointee.name)
        f.add(bot.pointee.slug); f.add(bot.pointee.scope)
        f.add(bot.pointee.organization ?? "-"); f.add(bot.pointee.organizationName ?? "-")
        if let fields = bot.pointee.fieldsPrint { f.add(fields) } else { f.add(.object(bot.pointee.fields)) }
        return f.value
    }
}

extension Fingerprint {
    mutating func add(_ ref: BotRef) {
        withUnsafePointer(to: ref) { add(refAt: $0) }
    }

    /// The ref at `ref`, read where it lies.
    mutating func add(refAt ref: UnsafePointer<BotRef>) {
        add(ref.pointee.source); add(ref.pointee.id); add(ref.pointee.name); add(ref.pointee.slug); add(ref.pointee.organization ?? "-")
    }
}

extension CatalogEntry {
    /// The bot of the entry at `entry`, where it lies: `entry.pointee.bot` passed on copies it,
    /// which retains and releases its dozen references (for every bot, on every run).
    static func bot(at entry: UnsafePointer<CatalogEntry>) -> UnsafePointer<Bot> {
        UnsafeRawPointer(entry).advanced(by: botOffset).assumingMemoryBound(to: Bot.self)
    }

    private static let botOffset = MemoryLayout<CatalogEntry>.offset(of: \CatalogEntry.bot)!
}
