/// One field that differs, by its path in the API's JSON (`inputs[1].type`).
/// A nil side means the field was absent.
public struct FieldChange: Sendable, Equatable {
    public var path: String
    public var before: JSONValue?
    public var after: JSONValue?

    public init(path: String, before: JSONValue?, after: JSONValue?) {
        self.path = path
        self.before = before
        self.after = after
    }

    /// Long or multi-line text on both sides: shown as a line diff rather than two blobs.
    public var isLongText: Bool {
        guard case .string(let a)? = before, case .string(let b)? = after else { return false }
        return a.contains("\n") || b.contains("\n") || a.count > 120 || b.count > 120
    }
}

/// Enough of a bot to name it in reports, pages and history.
public struct BotRef: Sendable, Equatable {
    public var source: String
    public var id: String
    public var name: String
    public var slug: String
    public var organization: String?

    public init(source: String, id: String, name: String, slug: String, organization: String?) {
        self.source = source
        self.id = id
        self.name = name
        self.slug = slug
        self.organization = organization
    }

    public init(_ bot: Bot) {
        self.init(source: bot.source, id: bot.id, name: bot.name, slug: bot.slug, organization: bot.organization)
    }

    public var key: BotKey { BotKey(source: source, id: id) }
}

/// A bot present before and after, with what changed.
public struct BotChange: Sendable, Equatable {
    /// The bot as it is now.
    public var bot: BotRef
    /// Its name before, when it was renamed.
    public var previousName: String?
    public var fields: [FieldChange]

    public init(bot: BotRef, previousName: String? = nil, fields: [FieldChange]) {
        self.bot = bot
        self.previousName = previousName
        self.fields = fields
    }

    public var isRenamed: Bool { fields.contains { $0.path == "name" || $0.path == "slug" } }
    public var isMoved: Bool { fields.contains { $0.path == "organization" } }
}

/// What changed between two snapshots.
public struct ChangeSet: Sendable, Equatable {
    public var added: [BotRef]
    /// Removed bots keep their last known data so their pages can stay as tombstones.
    public var removed: [Bot]
    public var changed: [BotChange]

    public init(added: [BotRef] = [], removed: [Bot] = [], changed: [BotChange] = []) {
        self.added = added
        self.removed = removed
        self.changed = changed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    public var renamedCount: Int { changed.filter(\.isRenamed).count }
    public var movedCount: Int { changed.filter(\.isMoved).count }

    /// "2 added, 1 removed, 3 changed (1 renamed, 1 moved)" or "no changes".
    public var summary: String {
        if isEmpty { return "no changes" }
        var parts: [String] = []
        if !added.isEmpty { parts.append("\(added.count) added") }
        if !removed.isEmpty { parts.append("\(removed.count) removed") }
        if !changed.isEmpty {
            var detail: [String] = []
            if renamedCount > 0 { detail.append("\(renamedCount) renamed") }
            if movedCount > 0 { detail.append("\(movedCount) moved") }
            parts.append("\(changed.count) changed" + (detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))"))
        }
        return parts.joined(separator: ", ")
    }
}
