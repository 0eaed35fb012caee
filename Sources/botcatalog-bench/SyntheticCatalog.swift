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
    static func twoDays(bots: Int, fraction: Double) -> (day1: Snapshot, day2: Snapshot, history1: [HistoryEntry], history2: [HistoryEntry]) {
        let first = snapshot(bots: bots, at: day1)
        var second = snapshot(bots: bots, changedFraction: fraction, at: day2)
        let initial = HistoryEntry(at: day1, changes: Differ().changes(from: nil, to: first))
        let changes = Differ().changes(from: first, to: second)
        CatalogMerger.stampChanges(&second, changes)
        let filed = HistoryFile(initial).entry
        return (first, second, [filed], [filed, HistoryFile(HistoryEntry(at: day2, changes: changes)).entry])
    }

    /// The Markdown of one bot page, as Hugo and the cmark floor get it.
    static func markdown(_ bot: Bot) -> String {
        var md = "# \(bot.name)\n\n"
        md += bot.summaryText ?? ""
        md += "\n\n## Facts\n\n- Model: \(bot.model ?? "-")\n- Organization: \(bot.organization ?? "-")\n- Tags: \(bot.tags.joined(separator: ", "))\n- Cost: \(bot.cost ?? "-")\n"
        return md
    }
}
