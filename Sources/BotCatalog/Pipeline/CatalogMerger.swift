/// Builds the new catalog from what was fetched and what was known. Pure.
///
/// A bot missing from a source that did not complete is carried over as stale: it may only
/// have been on the page or organization that failed, so it is never reported removed.
/// A GPTBots key answering "bot deleted" (20059) removes its bot even then.
public enum CatalogMerger {
    public static func merge(previous: Snapshot?, fetches: [SourceFetch], at now: String) -> Snapshot {
        var entries: [CatalogEntry] = []
        for fetch in fetches {
            var fetched = Set<String>()
            for bot in fetch.bots {
                fetched.insert(bot.id)
                let before = previous?.entry(for: bot.key)
                entries.append(CatalogEntry(bot: bot, stale: false, firstSeen: before?.firstSeen ?? now,
                                            lastSeen: now, lastChanged: before?.lastChanged ?? now))
            }
            guard fetch.status.state != .complete, let previous else { continue }
            for old in previous.entries where old.bot.source == fetch.status.name && !fetched.contains(old.bot.id) {
                if fetch.deletedScopes.contains(old.bot.scope) { continue }
                var carried = old
                carried.stale = true
                entries.append(carried)
            }
        }
        var statuses = fetches.map(\.status)
        for i in statuses.indices {
            statuses[i].bots = entries.filter { $0.bot.source == statuses[i].name }.count
        }
        return Snapshot(takenAt: now, sources: statuses, entries: entries)
    }

    /// Marks the bots that were added or changed in this run as changed now.
    public static func stampChanges(_ snapshot: inout Snapshot, _ changes: ChangeSet) {
        let touched = Set(changes.added.map(\.key) + changes.changed.map(\.bot.key))
        guard !touched.isEmpty else { return }
        for i in snapshot.entries.indices where touched.contains(snapshot.entries[i].key) {
            snapshot.entries[i].lastChanged = snapshot.takenAt
        }
    }
}
