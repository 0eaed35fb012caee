import Foundation

/// The identity of a bot: the source it came from and the id the platform gave it.
/// Never the slug or the name, so a rename or a move is one change, not removed + added.
public struct BotKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var source: String
    public var id: String

    public init(source: String, id: String) {
        self.source = source
        self.id = id
    }

    /// The id alone: sources are few, and a build hashes each bot's key a dozen times.
    /// (Equal keys have equal ids, so this agrees with `==`.)
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
    }

    public static func < (a: BotKey, b: BotKey) -> Bool {
        precedes(a.source, a.id, b.source, b.id)
    }

    /// `<` on a key's parts, read where they lie (no key made: it retains both strings).
    static func precedes(_ source: String, _ id: String, _ otherSource: String, _ otherID: String) -> Bool {
        source != otherSource ? source < otherSource : id < otherID
    }

    public var description: String { "\(source)/\(id)" }
}

/// Which platform API a source speaks.
public enum Platform: String, Sendable, CaseIterable {
    /// unltd.ai style: paginated `/bots/` and `/organizations/:id/bots/` lists.
    case unltd
    /// GPTBots style: `/bot/detail`, one API key per bot.
    case gptbots
}

/// One bot as fetched: the fields every page needs, and every field the API returned.
public struct Bot: Sendable, Equatable {
    public var source: String
    public var platform: Platform
    public var id: String
    public var name: String
    public var slug: String
    /// The organization id, when the bot belongs to one.
    public var organization: String?
    /// The organization's display name, when the API told it.
    public var organizationName: String?
    /// The listing that produced the bot: `public`, `org:<id>`, or `key:<ENV>` for GPTBots keys.
    public var scope: String
    /// Everything the API returned for the bot, unknown fields included.
    public var fields: [String: JSONValue] {
        didSet { fieldsPrint = nil }
    }
    /// The print of `fields` made while they were read (`JSONReader.readPrinted`), so the site
    /// need not walk every bot's fields on every run; dropped whenever `fields` change. A cache,
    /// not part of the bot: equality leaves it out.
    public internal(set) var fieldsPrint: ObjectPrint?

    public init(source: String, platform: Platform, id: String, name: String, slug: String,
                organization: String? = nil, organizationName: String? = nil, scope: String,
                fields: [String: JSONValue]) {
        self.source = source
        self.platform = platform
        self.id = id
        self.name = name
        self.slug = slug
        self.organization = organization
        self.organizationName = organizationName
        self.scope = scope
        self.fields = fields
    }

    public var key: BotKey { BotKey(source: source, id: id) }

    /// Every property but `fieldsPrint` (a bot read with prints equals the same bot made in code).
    public static func == (a: Bot, b: Bot) -> Bool {
        a.source == b.source && a.platform == b.platform && a.id == b.id && a.name == b.name && a.slug == b.slug
            && a.organization == b.organization && a.organizationName == b.organizationName && a.scope == b.scope
            && a.fields == b.fields
    }
}

extension Bot {
    /// The model a bot runs on, in the platform's own words.
    public var model: String? { Self.model(fields, platform: platform) }

    /// `model` of a bot's fields. (The site reads it for every bot where the bot lies: a computed
    /// property read through a pointer copied the whole bot first.)
    static func model(_ fields: [String: JSONValue], platform: Platform) -> String? {
        switch platform {
        case .unltd:
            return fields["modelKey"]?.stringValue ?? fields["model"]?.stringValue
        case .gptbots:
            guard let model = fields["ai_model"]?.stringValue, !model.isEmpty else { return nil }
            if let version = fields["ai_model_version"]?.stringValue, !version.isEmpty { return "\(model) \(version)" }
            return model
        }
    }

    /// Tags, whether the API sent an array or (as the seeds show) a comma-separated string.
    public var tags: [String] { Self.tags(fields) }

    /// `tags` of a bot's fields.
    static func tags(_ fields: [String: JSONValue]) -> [String] {
        // Trimmed and non-empty, in one pass (this runs for every bot on every build).
        var named: [String] = []
        switch fields["tags"] {
        case .array(let items)?:
            named.reserveCapacity(items.count)
            for item in items {
                guard let text = item.stringValue ?? item["name"]?.stringValue ?? item["id"]?.stringValue else { continue }
                let tag = text.trimmedWhitespace
                if !tag.isEmpty { named.append(tag) }
            }
        case .string(let s)?:
            for part in s.split(separator: ",") {
                let tag = part.trimmedWhitespace
                if !tag.isEmpty { named.append(tag) }
            }
        default:
            break
        }
        // A bot has a handful of tags: comparing them beats hashing them (twice per bot per build).
        guard named.count > 16 else {
            // Repeats dropped in place, the first kept (most bots have none).
            var i = 1
            while i < named.count {
                if named[..<i].contains(named[i]) { named.remove(at: i) } else { i += 1 }
            }
            return named
        }
        var seen = Set<String>()
        return named.filter { seen.insert($0).inserted }
    }

    /// The main descriptive text: `description` on unltd, `introduction` on GPTBots.
    public var summaryText: String? {
        let text = fields["description"]?.stringValue ?? fields["introduction"]?.stringValue
        guard let text, text.hasVisibleText else { return nil }
        return text
    }

    /// Credits per call on unltd.
    public var cost: String? { fields["creditCost"]?.stringValue }
}
