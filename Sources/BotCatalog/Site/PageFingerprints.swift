import Foundation

/// Fingerprints of every page's inputs, so an unchanged page is linked from the published site
/// instead of rendered again. Each bot gets one print of everything a page can show about it
/// (its data, its URL, its organization's name and the URLs of its groups); pages listing bots
/// combine their members' prints. `lastSeen` of a current bot is no input: no page shows it.
struct PageFingerprints: Sendable {
    let base: Fingerprint
    /// Each current bot's print (aligned with `model.current`).
    let prints: [UInt64]
    let model: SiteModel
    /// Each history entry's own print (`InputDigest.runs`), and the organizations' names.
    let runs: [UInt64]
    let organizationNames: UInt64

    /// `bots`: each snapshot entry's own print (`InputDigest.bots`), to which each current bot's
    /// print adds what the model says about it (its URL, its organization's name, its groups);
    /// `runs`: each history entry's (`InputDigest.runs`).
    init(model: SiteModel, templateHash: String, bots: [UInt64], runs: [UInt64]) {
        var base = Fingerprint()
        base.add(templateHash)
        base.add(model.input.title)
        base.add(model.input.baseURL ?? "")
        self.base = base
        self.model = model
        precondition(runs.count == model.input.history.count, "a print for each run of the history")
        self.runs = runs
        organizationNames = Self.organizationNames(model.organizationNames)
        // What a bot's groups add to its print, worked out once per group: their names and
        // paths are strings many bots share, and copying them out for every bot had both cores
        // retain and release the same few strings, their counts' cache lines passed back and forth.
        let organizationParts = Dictionary(uniqueKeysWithValues: model.organizations.keys.map { ($0, Self.organizationPart($0, model)) })
        let modelParts = model.models.keys.reduce(into: [String: UInt64]()) { $0[$1] = Self.pathPart(model.paths.models[$1]) }
        let tagParts = model.tags.keys.reduce(into: [String: UInt64]()) { $0[$1] = Self.pathPart(model.paths.tags[$1]) }
        let noOrganization = Self.organizationPart(nil, model)
        // Each bot's facts read where they lie (a copy retains its page's and tags' strings).
        let prints = model.facts.withUnsafeBufferPointer { facts in
            nonisolated(unsafe) let facts = facts.baseAddress!
            return model.current.parallelMapInPlace { i, entry -> UInt64 in
                var f = Fingerprint()
                let bot = facts + i
                f.add(bots[model.order[i]])
                f.add(model.currentPaths[i])
                if let organization = entry.pointee.bot.organization {
                    f.add(organizationParts[organization] ?? Self.organizationPart(organization, model))
                } else {
                    f.add(noOrganization)
                }
                f.add(bot.pointee.model.map { modelParts[$0] ?? Self.pathPart(model.paths.models[$0]) } ?? Self.pathPart(nil))
                for tag in bot.pointee.tags { f.add(tagParts[tag] ?? Self.pathPart(model.paths.tags[tag])) }
                if entry.pointee.stale {
                    // The stale banner quotes the source's problem and the check's time.
                    f.add(model.sources[entry.pointee.bot.source]?.problems.first ?? "")
                    f.add(model.input.snapshot.takenAt)
                }
                return f.value
            }
        }
        self.prints = prints
    }

    /// An organization's part of its members' prints: its name and its page's path.
    private static func organizationPart(_ organization: String?, _ model: SiteModel) -> UInt64 {
        var f = Fingerprint()
        f.add(model.organizationName(organization) ?? "")
        f.add(organization.flatMap { model.paths.organizations[$0] } ?? "")
        return f.value
    }

    /// A model's or tag's part of its members' prints: its page's path.
    private static func pathPart(_ path: String?) -> UInt64 {
        var f = Fingerprint()
        f.add(path ?? "")
        return f.value
    }

    private func start(_ page: String) -> Fingerprint {
        var f = base
        f.add(page)
        return f
    }

    /// A bot's page: `current` is its index in `model.current`, nil for a removed bot.
    func bot(_ key: BotKey, current: Int?) -> String {
        var f = start("bot")
        if let current {
            f.add(prints[current])
        } else if let tomb = model.tombstones[key] {
            f.add(InputDigest.print(tomb.bot))
            f.add(tomb.removedAt)
            f.add(model.paths.bots[key] ?? "")
            // A tombstone links its groups only while they have pages (current members).
            let bot = tomb.bot
            f.add(model.organizationName(bot.organization) ?? "")
            f.add(bot.organization.flatMap { model.paths.organizations[$0] } ?? "")
            let facts = SiteModel.BotFacts(bot)
            f.add(facts.model.map { model.paths.models[$0] ?? "" } ?? "")
            for tag in facts.tags { f.add(model.paths.tags[tag] ?? "") }
        }
        for event in model.events(key, current: current) {
            f.add(event.at)
            f.add(event.kind.rawValue)
            if let print = event.print { f.add(print) } else { for change in event.changes { f.add(change) } }
        }
        return f.hex
    }

    /// What one bot's row in a listing shows.
    func row(_ i: Int) -> String {
        var f = start("row")
        f.add(prints[i])
        return f.hex
    }

    /// The index: every current bot in display order, the sources' states and problems.
    func index() -> String {
        var f = start("index")
        for print in prints { f.add(print) }
        for source in model.input.snapshot.sources {
            f.add(source.name); f.add(source.state.rawValue)
            for problem in source.problems { f.add(problem) }
        }
        return f.hex
    }

    func group(_ kind: String, _ name: String, members: [Int]) -> String {
        var f = start("group:\(kind)")
        f.add(name)
        f.add(model.organizationName(name) ?? "")
        for i in members { f.add(prints[i]) }
        return f.hex
    }

    func list(_ name: String, _ items: [(String, String, Int)]) -> String {
        var f = start(name)
        for (label, path, count) in items { f.add(label); f.add(path); f.add(String(count)) }
        return f.hex
    }

    /// A long run's own page: its changes, and the names and URLs of the bots it lists.
    /// `index`: the run's place in the history. What the run holds comes from the input digest's
    /// print of it (`InputDigest.runs`, which walked every change already); added here are what
    /// the model says of its bots: their organizations' names (all of them, a short list) and
    /// their pages, looked up in the run's order.
    func run(_ index: Int) -> String {
        let entry = model.input.history[index]
        var f = start("run")
        f.add(entry.at)
        f.add(runs[index])
        f.add(organizationNames)
        // A current bot's page is found by its place in the snapshot (the timelines found the
        // places of each run's bots), the others' by key. The added bots' pages are printed in
        // chunks, on all cores when there are several, then the chunks' prints in order.
        let places = model.timelines.places[index]
        @Sendable func page(_ place: Int?, _ key: @autoclosure () -> BotKey) -> String {
            if let place { return model.currentPaths[model.rank[place]] }
            return model.paths.bots[key()] ?? ""
        }
        let chunks = entry.changes.added.withUnsafeBufferPointer { refs -> [UInt64] in
            // Each ref read where it lies: a copy of each retains its five strings.
            nonisolated(unsafe) let refs = refs
            return InputDigest.chunkPrints(refs.count) { $0.add(page(places.added[$1], BotKey(source: refs[$1].source, id: refs[$1].id))) }
        }
        for chunk in chunks { f.add(chunk) }
        f.add("removed")
        for (bot, place) in zip(entry.changes.removed, places.removed) { f.add(page(place, bot.key)) }
        f.add("changed")
        for (c, place) in zip(entry.changes.changed, places.changed) { f.add(page(place, c.bot.key)) }
        return f.hex
    }

    /// Every organization's display name, in no order: printed as a JSON object is, member by
    /// member (a short list, copied once per build).
    static func organizationNames(_ names: [String: String]) -> UInt64 {
        var f = Fingerprint()
        f.add(.object(names.mapValues(JSONValue.string)))
        return f.value
    }

    /// The feed: its newest runs, the title and the base URL (no check time: it has none).
    /// `run` gives the print of the history's run at an index (a long run's page has it already).
    func feed(run: (Int) -> String) -> String {
        var f = start("feed")
        f.add(model.input.title)
        f.add(model.input.baseURL ?? "-")
        for index in model.input.history.indices.reversed().prefix(PageContexts.feedEntryLimit) { f.add(run(index)) }
        return f.hex
    }

    /// catalog.json and sitemap.xml list every current bot.
    func allBots(_ name: String) -> String {
        var f = start(name)
        for position in model.rank { f.add(prints[position]) }
        return f.hex
    }
}

extension Fingerprint {
    mutating func add(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { add($0) }
    }

    /// A field change: its path and both sides, an absent side told apart from `null`.
    mutating func add(_ change: FieldChange) {
        add(change.path)
        add(change.before ?? .null); add(change.before == nil ? "absent" : "present")
        add(change.after ?? .null); add(change.after == nil ? "absent" : "present")
    }

    /// Walks a JSON value without building its text.
    mutating func add(_ value: JSONValue) {
        switch value {
        case .null: addByte(0)
        case .bool(let b): addByte(b ? 1 : 2)
        case .int(let i): addByte(3); add(UInt64(bitPattern: i))
        case .double(let d): addByte(4); add(d.bitPattern)
        case .string(let s): addByte(5); add(s)
        case .array(let items):
            addByte(6)
            for item in items { add(item) }
            addByte(7)
        case .object(let object):
            // Members in any order: each is printed on its own and the prints are summed, so
            // the dictionary is neither copied nor sorted (this runs for every bot on every run).
            var sum: UInt64 = 0
            for (key, member) in object {
                var f = Fingerprint()
                f.add(key)
                f.add(member)
                sum &+= f.value
            }
            add(ObjectPrint(sum: sum, count: object.count))
        }
    }

    /// An object by its members' summed prints and their number: what `JSONReader.readPrinted`
    /// made while reading it, or the walk above.
    mutating func add(_ object: ObjectPrint) {
        addByte(8)
        add(object.sum)
        add(UInt64(object.count))
        addByte(9)
    }
}
