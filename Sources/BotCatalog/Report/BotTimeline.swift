/// One bot's story across all runs, as plain text for `botcatalog history`. Pure.
public struct BotTimeline: Sendable {
    public var history: [HistoryEntry]
    public var snapshot: Snapshot?

    public init(history: [HistoryEntry], snapshot: Snapshot?) {
        self.history = history
        self.snapshot = snapshot
    }

    /// Bots whose `source/id`, id, slug or name (any of its names over time) match, case-insensitively.
    public func matches(_ query: String) -> [BotKey] {
        let q = query.lowercased()
        var found = Set<BotKey>()
        func check(_ key: BotKey, _ names: [String]) {
            if key.description.lowercased() == q || key.id.lowercased() == q || names.contains(where: { $0.lowercased() == q }) { found.insert(key) }
        }
        for entry in snapshot?.entries ?? [] { check(entry.key, [entry.bot.slug, entry.bot.name]) }
        for run in history {
            for ref in run.changes.added { check(ref.key, [ref.slug, ref.name]) }
            for bot in run.changes.removed { check(bot.key, [bot.slug, bot.name]) }
            for change in run.changes.changed { check(change.bot.key, [change.bot.slug, change.bot.name, change.previousName ?? ""]) }
        }
        return found.sorted()
    }

    public func text(for key: BotKey) -> String {
        let current = snapshot?.entry(for: key)
        var name = current?.bot.name ?? key.id
        var lines: [String] = []
        for run in history {
            if let ref = run.changes.added.first(where: { $0.key == key }) {
                name = ref.name
                lines.append("\(run.at)  added as \"\(ref.name)\"\(ref.organization.map { " in \($0)" } ?? "")")
            }
            if let change = run.changes.changed.first(where: { $0.bot.key == key }) {
                name = change.bot.name
                lines.append("\(run.at)  changed")
                for field in change.fields {
                    if field.isLongText, case .string(let a)? = field.before, case .string(let b)? = field.after {
                        lines.append("    \(field.path):")
                        lines += LineDiff.unified(LineDiff.lines(from: a, to: b)).map { "      " + $0 }
                    } else {
                        lines.append("    \(field.path): \(field.before?.displayText ?? "(none)") → \(field.after?.displayText ?? "(none)")")
                    }
                }
            }
            if run.changes.removed.contains(where: { $0.key == key }) {
                lines.append("\(run.at)  removed")
            }
        }
        if let current {
            lines.append("now           \(current.stale ? "stale (source failed; last seen \(current.lastSeen))" : "current (last checked \(snapshot?.takenAt ?? ""))")")
        }
        return "\(name) (\(key))\n" + (lines.isEmpty ? "  no recorded changes" : lines.map { "  " + $0 }.joined(separator: "\n"))
    }
}
