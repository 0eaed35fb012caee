import BotCatalog
import Foundation

/// One benchmark phase, run in its own process so each gets its own peak-memory reading.
enum Phase: String, CaseIterable {
    case full, spareSetup, changed, unchanged, diffSetup, diff, floor
}

/// The site build measured the way a nightly run does it: full, 1% changed, nothing changed.
struct SiteBenchmark {
    let bots: Int
    let folder: String
    /// Nights of history before day 1 (`SyntheticCatalog.history`); 0: day 1 is the first run.
    var historyDays = 0

    var output: String { "\(folder)/site" }
    var manifest: String { "\(folder)/site-manifest.json" }

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
        switch phase {
        case .full: return try await fullBuild()
        case .spareSetup: return try await spareSetup()
        case .changed, .unchanged: return try await nextBuild(changed: phase == .changed)
        case .diffSetup: return try diffSetup()
        case .diff: return try diff()
        case .floor: return try floor()
        }
    }

    /// Stages and publishes the site as a run would, with the bench's title and base URL.
    func publish(_ builder: SiteBuilder, _ snapshot: Snapshot, _ history: [HistoryEntry]) async throws -> SiteBuilder.Stats {
        let staged = try await builder.stage(SiteInput(title: "Bench", baseURL: "https://docs.example.com/bots/", snapshot: snapshot, history: history))
        try staged.publish()
        return staged.stats
    }

    /// A first build: no site, no page fingerprints, no cached rows or changelog; in memory, what a run holds
    /// (the snapshot and its history). The peak is the build's: reset once the generator's
    /// scaffolding is gone.
    func fullBuild() async throws -> (seconds: Double, detail: String) {
        let builder = SiteBuilder(output: output, manifestPath: manifest, templates: try templates())
        let day1 = SyntheticCatalog.snapshot(bots: bots, at: SyntheticCatalog.day1)
        let history = historyDays == 0 ? [HistoryEntry(at: SyntheticCatalog.day1, changes: Differ().changes(from: nil, to: day1))]
                                       : SyntheticCatalog.history(of: day1, fraction: 0.01, days: historyDays)
        Measure.setAside([output] + builder.keptFolders + builder.stateFiles)
        Measure.resetPeakMemory()
        var stats = SiteBuilder.Stats()
        let seconds = try await Measure.seconds { stats = try await publish(builder, day1, history) }
        return (seconds, "\(stats.pages) files")
    }

    /// Right after the full build there is no spare site yet: one untimed day there and back makes
    /// it. Run in a process of its own before the 1%-changed phase, as the nightly runs before it
    /// would have been, so the timed build does not share its process with two untimed ones.
    func spareSetup() async throws -> (seconds: Double, detail: String) {
        let builder = SiteBuilder(output: output, manifestPath: manifest, templates: try templates())
        guard !builder.keptFolders.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return (0, "spare in place") }
        let days = SyntheticCatalog.twoDays(bots: bots, fraction: 0.01, historyDays: historyDays)
        _ = try await publish(builder, days.day2, days.history2)
        _ = try await publish(builder, days.day1, days.history1)
        return (0, "spare made")
    }

    /// The next day's build, from the full build's site and manifest (the full phase runs first):
    /// 1% of the bots changed, or none. Measured as nightly runs go once the catalog has been
    /// built twice: with the spare site (the one before the last) beside the published one.
    func nextBuild(changed: Bool) async throws -> (seconds: Double, detail: String) {
        let builder = SiteBuilder(output: output, manifestPath: manifest, templates: try templates())
        if changed, !builder.keptFolders.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            throw BenchError("no spare site in \(folder): run the spareSetup phase first (the benchmark does)")
        }
        let days = SyntheticCatalog.twoDays(bots: bots, fraction: 0.01, historyDays: historyDays)
        Measure.resetPeakMemory()
        var stats = SiteBuilder.Stats()
        let seconds = try await Measure.seconds {
            stats = try await changed ? publish(builder, days.day2, days.history2) : publish(builder, days.day1, days.history1)
        }
        Measure.phasePeakMB = Measure.peakMemoryMB
        // Leave the day-1 site in place for the next phase.
        if changed { _ = try await publish(builder, days.day1, days.history1) }
        return (seconds, "\(stats.botPagesRendered) of \(stats.botPages) bot pages rendered, \(stats.written) files written\(stats.fromSpare ? " (into the spare)" : "")")
    }

    /// Two snapshot files one day apart, written by the store as a run would.
    func diffSetup() throws -> (seconds: Double, detail: String) {
        let days = SyntheticCatalog.twoDays(bots: bots, fraction: 0.01, historyDays: historyDays)
        let store = StateStore(folder: "\(folder)/state", keep: 10)
        try? FileManager.default.removeItem(atPath: "\(folder)/state")
        try store.commit(days.day1, history: nil)
        try store.commit(days.day2, history: nil)
        return (0, "snapshots written")
    }

    /// The floor: each page's Markdown through libcmark into its own file, in C calls.
    func floor() throws -> (seconds: Double, detail: String) {
        let pages = SyntheticCatalog.snapshot(bots: bots, at: SyntheticCatalog.day1).entries.map { SyntheticCatalog.markdown($0.bot) }
        let floorFolder = "\(folder)/floor"
        Measure.setAside([floorFolder])
        try FileManager.default.createDirectory(atPath: floorFolder, withIntermediateDirectories: true)
        var failed = 0
        let seconds = Measure.seconds {
            for (i, page) in pages.enumerated() where !CommonMark.floorConvert(page, to: "\(floorFolder)/\(i).html") {
                failed += 1
            }
        }
        guard failed == 0 else { throw BenchError("the floor could not write \(failed) pages in \(floorFolder)") }
        return (seconds, "\(pages.count) pages")
    }
}
