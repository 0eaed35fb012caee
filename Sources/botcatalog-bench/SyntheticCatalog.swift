import BotCatalog
import BotCatalogMockAPI
import Foundation

/// Deterministic synthetic catalogs for the benchmarks: the stand-in API's synthetic world,
/// decoded exactly as the fetch stage decodes it, as snapshots one "day" apart.
enum SyntheticCatalog {
    static let day1 = "2026-02-01T03:00:00Z"
    static let day2 = "2026-02-02T03:00:00Z"

    static func snapshot(bots: Int, changedFraction: Double = 0, at: String) -> Snapshot {
        let world = MockWorld.synthetic(bots: bots, organizations: max(1, bots / 200), changedFraction: changedFraction)
        var entries: [CatalogEntry] = []
        entries.reserveCapacity(bots)
        for org in world.organizations {
            for item in org.bots {
                // Read and decoded as the fetch reads an API's bots (with their prints).
                guard let read = try? JSONReader.readPrinted(Data(item.serializedBytes())),
                      let bot = try? BotDecoder.unltdBot(read.value, source: "unltd", scope: "org:\(org.id)", organization: org.id, prints: read.prints) else { continue }
                entries.append(CatalogEntry(bot: bot, firstSeen: day1, lastSeen: at, lastChanged: day1))
            }
        }
        return Snapshot(takenAt: at, sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete, bots: entries.count)], entries: entries)
    }

    /// Day 1, and day 2 with `fraction` of the bots changed, with the history both runs would write
    /// (each entry filed as its run files it: with its file's print, as the next run reads it).
    /// With `historyDays`, the catalog was first seen that many nights before day 1, and each
    /// night since found `fraction` of its bots changed (`pastNights`).
    static func twoDays(bots: Int, fraction: Double, historyDays: Int = 0) -> (day1: Snapshot, day2: Snapshot, history1: [HistoryEntry], history2: [HistoryEntry]) {
        let first = snapshot(bots: bots, at: day1)
        var second = snapshot(bots: bots, changedFraction: fraction, at: day2)
        let changes = Differ().changes(from: first, to: second)
        CatalogMerger.stampChanges(&second, changes)
        let past = history(of: first, fraction: fraction, days: historyDays)
        return (first, second, past, past + [HistoryFile(HistoryEntry(at: day2, changes: changes)).entry])
    }

    /// The history a site with `snapshot` as its last check has: the run that first saw every
    /// bot, `days` nights before, then one run a night up to the snapshot's, each finding
    /// `fraction` of the bots (a different set each night) with a new revision of their
    /// description. Filed as runs file them.
    static func history(of snapshot: Snapshot, fraction: Double, days: Int) -> [HistoryEntry] {
        let first = Differ().changes(from: nil, to: snapshot)
        guard days > 0 else { return [HistoryFile(HistoryEntry(at: snapshot.takenAt, changes: first)).entry] }
        let entries = snapshot.entries
        let perNight = max(1, Int((Double(entries.count) * fraction).rounded()))
        var history = [HistoryFile(HistoryEntry(at: nightsBefore(days), changes: first)).entry]
        for night in 1...days {
            // Positions spread over the catalog by two primes, a different set each night.
            let picked = Set((0..<perNight).map { (night &* 7_919 &+ $0 &* 104_729) % entries.count })
            let changed = picked.map { position -> BotChange in
                let bot = entries[position].bot
                let text = bot.fields["description"]?.stringValue ?? ""
                return BotChange(bot: BotRef(bot), fields: [FieldChange(path: "description", before: .string(text + "\n\nRevision \(night - 1)."),
                                                                        after: .string(text + "\n\nRevision \(night)."))])
            }.sorted { $0.bot.key < $1.bot.key }
            history.append(HistoryFile(HistoryEntry(at: nightsBefore(days - night), changes: ChangeSet(changed: changed))).entry)
        }
        return history
    }

    /// Day 1's check time, `nights` nights earlier.
    static func nightsBefore(_ nights: Int) -> String {
        let formatter = ISO8601DateFormatter()
        let date = formatter.date(from: day1)!.addingTimeInterval(-86_400 * Double(nights))
        return formatter.string(from: date)
    }

    /// The Markdown of one bot page, as Hugo and the cmark floor get it.
    static func markdown(_ bot: Bot) -> String {
        var md = "# \(bot.name)\n\n"
        md += bot.summaryText ?? ""
        md += "\n\n## Facts\n\n- Model: \(bot.model ?? "-")\n- Organization: \(bot.organization ?? "-")\n- Tags: \(bot.tags.joined(separator: ", "))\n- Cost: \(bot.cost ?? "-")\n"
        return md
    }
}
