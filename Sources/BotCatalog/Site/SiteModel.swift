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
    let current: [CatalogEntry]
    let tombstones: [BotKey: Tombstone]
    /// Newest first.
    let events: [BotKey: [BotEvent]]
    let paths: SitePaths
    let organizationNames: [String: String]
    let organizations: [String: [Int]]
    let tags: [String: [Int]]
    let models: [String: [Int]]
    let sources: [String: SourceStatus]

    init(_ input: SiteInput) {
        self.input = input
        // Lowercased once per bot, not once per comparison.
        current = input.snapshot.entries.map { ($0.bot.name.lowercased(), $0) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.key < $1.1.key }
            .map(\.1)
        let currentKeys = Set(input.snapshot.entries.map(\.key))
        var tombstones: [BotKey: Tombstone] = [:]
        var events: [BotKey: [BotEvent]] = [:]
        for entry in input.history {
            for ref in entry.changes.added {
                events[ref.key, default: []].append(BotEvent(at: entry.at, kind: .added, changes: []))
                tombstones[ref.key] = nil
            }
            for change in entry.changes.changed {
                events[change.bot.key, default: []].append(BotEvent(at: entry.at, kind: .changed, changes: change.fields))
            }
            for bot in entry.changes.removed {
                events[bot.key, default: []].append(BotEvent(at: entry.at, kind: .removed, changes: []))
                if !currentKeys.contains(bot.key) { tombstones[bot.key] = Tombstone(bot: bot, removedAt: entry.at) }
            }
        }
        for key in events.keys { events[key]?.reverse() }
        self.tombstones = tombstones
        self.events = events

        var orgNames: [String: String] = [:]
        var orgs: [String: [Int]] = [:], tags: [String: [Int]] = [:], models: [String: [Int]] = [:]
        for (i, entry) in current.enumerated() {
            let bot = entry.bot
            if let org = bot.organization {
                orgs[org, default: []].append(i)
                if let name = bot.organizationName, !name.isEmpty { orgNames[org] = name }
            }
            for tag in bot.tags { tags[DisplayText.clean(tag, limit: 100), default: []].append(i) }
            if let model = bot.model { models[DisplayText.clean(model, limit: 100), default: []].append(i) }
        }
        organizationNames = orgNames
        organizations = orgs
        self.tags = tags
        self.models = models
        sources = Dictionary(input.snapshot.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        var pageBots = current.map { (key: $0.key, slug: $0.bot.slug, name: $0.bot.name) }
        pageBots += tombstones.values.map { (key: $0.bot.key, slug: $0.bot.slug, name: $0.bot.name) }
        paths = SitePaths(bots: pageBots, organizations: Array(orgs.keys), tags: Array(tags.keys), models: Array(models.keys))
    }

    func organizationName(_ id: String?) -> String? {
        guard let id else { return nil }
        return organizationNames[id] ?? id
    }

    /// Keys of every bot page, current then removed, in a stable order.
    var botPageKeys: [BotKey] {
        current.map(\.key) + tombstones.keys.sorted()
    }
}
