import BotCatalog
import ArgumentParser
import Foundation

/// One benchmark phase, run in its own process so each gets its own peak-memory reading.
enum Phase: String, CaseIterable {
    case full, changed, unchanged, diffSetup, diff, floor
}

/// The site build measured the way a nightly run does it: full, 1% changed, nothing changed.
struct SiteBenchmark {
    let bots: Int
    let folder: String

    var output: String { "\(folder)/site" }
    var manifest: String { "\(folder)/site-manifest.json" }
    var rowCache: String { "\(folder)/site-rows.cache" }

    func templates() throws -> TemplateSet { try TemplateSet.load(from: TemplateSet.builtInFolder) }

    /// Diffs the two snapshot files `diffSetup` wrote, as `botcatalog diff` does, in a process
    /// that did nothing else.
    func diff() throws -> (seconds: Double, detail: String) {
        let paths = StateStore(folder: "\(folder)/state", keep: 10).snapshotPaths()
        var changed = 0
        let seconds = try Measure.seconds {
            changed = try SnapshotFileDiff().diff(old: paths[0], new: paths[1]).changes.changed.count
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: paths[1])[.size] as? Int) ?? 0
        return (seconds, "\(changed) changed; two files of \(size / 1_048_576) MB each")
    }

    /// Returns seconds for the phase (peak memory is read by the caller).
    func run(_ phase: Phase) async throws -> (seconds: Double, detail: String) {
        if phase == .diff { return try diff() }
        let builder = SiteBuilder(output: output, manifestPath: manifest, templates: try templates())
        if phase == .full {
            // A first build: no site, no page fingerprints, no cached rows; in memory, what a run
            // holds (the snapshot and its history). The peak is the build's: reset once the
            // generator's scaffolding is gone.
            let day1 = SyntheticCatalog.snapshot(bots: bots, at: SyntheticCatalog.day1)
            let input = SiteInput(title: "Bench", baseURL: "https://docs.example.com/bots/", snapshot: day1,
                                  history: [HistoryEntry(at: SyntheticCatalog.day1, changes: Differ().changes(from: nil, to: day1))])
            Measure.setAside([output, manifest, rowCache])
            Measure.resetPeakMemory()
            var stats = SiteBuilder.Stats()
            let seconds = try await Measure.seconds {
                let staged = try await builder.stage(input)
                try staged.publish()
                stats = staged.stats
            }
            return (seconds, "\(stats.pages) files")
        }
        let days = SyntheticCatalog.twoDays(bots: bots, fraction: 0.01)
        Measure.resetPeakMemory()
        switch phase {
        case .changed, .unchanged:
            // Starts from the full build's site and manifest (the full phase runs first).
            let snapshot = phase == .changed ? days.day2 : days.day1
            let history = phase == .changed ? days.history2 : days.history1
            var stats = SiteBuilder.Stats()
            let seconds = try await Measure.seconds {
                let staged = try await builder.stage(SiteInput(title: "Bench", baseURL: "https://docs.example.com/bots/", snapshot: snapshot, history: history))
                try staged.publish()
                stats = staged.stats
            }
            if phase == .changed {
                // Leave the day-1 site in place for the next phase.
                let staged = try await builder.stage(SiteInput(title: "Bench", baseURL: "https://docs.example.com/bots/", snapshot: days.day1, history: days.history1))
                try staged.publish()
            }
            return (seconds, "\(stats.botPagesRendered) of \(stats.botPages) bot pages rendered, \(stats.written) files written")
        case .full:
            fatalError("the full build is handled above")
        case .diffSetup:
            // Two snapshot files one day apart, written by the store as a run would.
            let store = StateStore(folder: "\(folder)/state", keep: 10)
            try? FileManager.default.removeItem(atPath: "\(folder)/state")
            try store.commit(days.day1, history: nil)
            try store.commit(days.day2, history: nil)
            return (0, "snapshots written")
        case .diff:
            return try diff()
        case .floor:
            // The floor: each page's Markdown through libcmark into its own file, in C calls.
            let pages = days.day1.entries.map { SyntheticCatalog.markdown($0.bot) }
            let floorFolder = "\(folder)/floor"
            Measure.setAside([floorFolder])
            try FileManager.default.createDirectory(atPath: floorFolder, withIntermediateDirectories: true)
            var failed = 0
            let seconds = Measure.seconds {
                for (i, page) in pages.enumerated() where !CommonMark.floorConvert(page, to: "\(floorFolder)/\(i).html") {
                    failed += 1
                }
            }
            guard failed == 0 else { throw ValidationError("the floor could not write \(failed) pages in \(floorFolder)") }
            return (seconds, "\(pages.count) pages")
        }
    }
}
