import CBotSystem
import Foundation

/// The site stage: renders every page into a staging folder beside `output`, then swaps it in
/// atomically, so readers see the old site or the new one, never a mix.
///
/// Incremental: each page has a fingerprint of its inputs; a page whose fingerprint matches the
/// last build is hard-linked from the current site instead of rendered, and a rendered page whose
/// bytes did not change is linked too, so unchanged files keep their mtime. Pages that no longer
/// exist are simply not carried over. Bot pages render in parallel and stream to disk.
public struct SiteBuilder: Sendable {
    public var output: String
    /// Where the page fingerprints of the last build are kept (in the state folder).
    public var manifestPath: String
    public var templates: TemplateSet
    public var workers: Int

    public init(output: String, manifestPath: String, templates: TemplateSet, workers: Int = Cores.usable) {
        self.output = output
        self.manifestPath = manifestPath
        self.templates = templates
        self.workers = max(1, workers)
    }

    /// What a build did, for logs and benchmarks.
    public struct Stats: Sendable, Equatable {
        public var pages = 0
        public var rendered = 0
        public var written = 0
        public var reused = 0
        public var botPages = 0
        public var botPagesRendered = 0
        /// Whether the site was brought up to date from the spare rather than staged afresh.
        public var fromSpare = false

        public init() {}
    }

    static let marker = ".botcatalog-site"

    /// A page other than a bot page: its fingerprint (nil: always rendered) and how to render it.
    /// (Sendable: `render` only reads the model, contexts and templates, and rows filled before.)
    struct PageJob: @unchecked Sendable {
        let path: String
        let fingerprint: String?
        let render: () throws(SiteError) -> PageBytes
    }

    /// A bot page to build: `current` is the bot's index in the model's current bots, nil for a removed bot.
    struct BotPage: Sendable {
        let key: BotKey
        let current: Int?
        let path: String
        let print: String
    }

    /// The rows of listing pages: made beside the bot pages' prints when a listing page changed
    /// (`provide`), else rendered on first need (a listing page whose published file is gone).
    final class RowsBox: @unchecked Sendable {
        private let lock = NSLock()
        private var made: Rows?
        private let make: () -> Rows

        init(make: @escaping () -> Rows) { self.make = make }

        var rows: Rows {
            lock.withLock {
                if let made { return made }
                let rows = make()
                made = rows
                return rows
            }
        }

        /// The rows if a page needed them.
        var ifMade: Rows? { lock.withLock { made } }

        /// Rows made beforehand, as `make` would have made them (unless it has run already).
        func provide(_ rows: Rows) {
            lock.withLock { if made == nil { made = rows } }
        }
    }

    /// Builds the site into a staging folder; `publish` swaps it in. Split so the pipeline can
    /// commit the state between the two.
    ///
    /// When the input is the last build's but for the time of the check (a run that found no
    /// changes), the site is not built at all: the changelog is filled in from its cache
    /// (`quickUpdate`). Otherwise, when at most one file differs from the published site and no
    /// page comes or goes, nothing is staged either. In both cases `publish` replaces that one
    /// file with an atomic rename, and readers still see the old site or the new one.
    public func stage(_ input: SiteInput) async throws(SiteError) -> StagedSite {
        try checkOutputIsOurs()
        let parent = (output as NSString).deletingLastPathComponent
        let name = (output as NSString).lastPathComponent
        try cleanLeftovers(parent: parent, name: name)
        // The state files are read while the input is digested, and the row cache while the model
        // is made; a killed run's temporary state files are cleared on the way (before this build
        // writes its own: the changelog's cache waits under its temporary name from when the
        // changelog is rendered until the site is published, and a run killed in between left a
        // file as large as the changelog).
        let manifestRead = Background { [manifestPath, stateFiles] in
            AtomicFile.removeLeftovers(of: stateFiles)
            return SiteManifest.read(manifestPath)
        }
        // A run that added to the history cannot take the quick path (the digest starts with
        // the history's key): the model's parts that need no facts are then made in the digest's
        // pool, and the digest works out the facts as it walks each bot (`SiteModel.Parts`).
        let addedHistory = !SiteManifest.readDigest(manifestPath).hasPrefix(InputDigest.historyKey(input.history))
        let modelParts = addedHistory ? SiteModel.Parts(input) : nil
        let rowCachePath = self.rowCachePath
        func readRowCache() -> Background<RowCache> { Background { [output] in RowCache.read(rowCachePath, site: output) } }
        let earlyCacheRead = addedHistory ? readRowCache() : nil
        // The last changelog's runs, for the runs it shares with this one.
        func readChangelog() -> Background<ChangelogCache?> {
            Background { [manifestPath] in ChangelogCache.read(ChangelogCache.path(besideManifest: manifestPath), digest: nil) }
        }
        let earlyChangelogRead = addedHistory ? readChangelog() : nil
        let digest = InputDigest(input, templateHash: templates.fingerprint, facts: modelParts?.facts, beside: modelParts?.units ?? [])
        let oldManifest = manifestRead.value
        if modelParts == nil, let quick = quickUpdate(input, digest: digest, oldManifest: oldManifest) { return quick }
        let rowCacheRead = earlyCacheRead ?? readRowCache()
        let changelogRead = earlyChangelogRead ?? readChangelog()
        let reusable = oldManifest.templateHash == templates.fingerprint ? oldManifest.pages : .empty
        let model = modelParts?.model() ?? SiteModel(input)
        let contexts = PageContexts(model: model)
        let prints = PageFingerprints(model: model, templateHash: templates.fingerprint, bots: digest.bots, runs: digest.runs)
        let templates = self.templates
        let rows = RowsBox { [workers] in
            Self.renderRows(model, contexts, prints, templates: templates, cache: rowCacheRead.value, workers: workers)
        }
        let changelog = ChangelogBox()
        let placements = Placements(count: model.current.count)
        // The other pages' jobs (and prints) are worked out while the bot pages' are, a unit of
        // work in their pool.
        let listing = Handoff<(jobs: [PageJob], listingNeeded: Bool)>()
        let listingUnit: @Sendable () -> Void = { [self] in
            listing.fulfill(listingJobs(input, model, contexts, prints, digest: digest, reusable: reusable, rows: rows, placements: placements,
                                        changelog: changelog, changelogBefore: changelogRead))
        }
        // Every bot page: the current bots' in display order, then the removed ones' by key, made
        // on all cores as they are kept (a list of keys to map, then one of optional pages to
        // compact, were each a copy of every bot's strings on one core, and then their release).
        // The listing pages' rows too, in parts, units of the same pool after the listing's: a
        // run where 1% changed needs them (the pages listing its bots changed), and made in a
        // pool of their own after this one, their few new rows left a core idle while the
        // other rendered them. Kept only when a listing page needs them.
        let rowParts = RowPartsInPool(Self.rowParts(count: model.current.count, workers: workers))
        let rowUnits = rowParts.units { range in Self.rowPart(range, model, contexts, prints, templates: templates, cache: rowCacheRead.value) }
        let removedKeys = model.tombstones.keys.sorted()
        let currentCount = model.current.count
        var botPages = Array(0..<(currentCount + removedKeys.count)).parallelMap(workers: workers, beside: [listingUnit] + rowUnits) { n -> BotPage in
            if n < currentCount {
                let key = model.current[n].key
                return BotPage(key: key, current: n, path: model.currentPaths[n], print: prints.bot(key, current: n))
            }
            let key = removedKeys[n - currentCount]
            return BotPage(key: key, current: nil, path: model.paths.bots[key] ?? "", print: prints.bot(key, current: nil))
        }
        // A removed bot without a page path (`SitePaths` gives every bot one) is left out.
        if botPages.contains(where: \.path.isEmpty) { botPages.removeAll { $0.path.isEmpty } }
        let (jobs, listingNeeded) = listing.value
        if listingNeeded { rows.provide(rowParts.rows(cache: rowCacheRead.value)) }

        let intact = oldManifest.isIntact(output)
        if let replaced = try inPlaceUpdate(botPages: botPages, jobs: jobs, listingNeeded: listingNeeded, reusable: reusable, intact: intact) {
            var manifest = oldManifest
            manifest.digest = digest.value
            return StagedSite(output: output, manifestPath: manifestPath,
                              publication: .replace(replaced.files, manifest: manifest, changelog: changelog.file),
                              stats: replaced.stats, botPaths: model.paths.bots)
        }

        // The spare is brought up to date when it is as the last publish left it and the
        // published site, whose files it shares, is intact; otherwise the site is staged afresh.
        let spare = self.spare
        let spareState = intact ? spare.intactState() : nil
        if spareState == nil { spare.remove() } else { spare.forget() }
        let staging = spareState == nil ? "\(parent)/.\(name).staging-\(getpid())" : spare.path
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw SiteError(file: staging, reason: "cannot create the staging folder beside `output` (\((error as NSError).localizedDescription)); check that \(parent) is writable")
        }
        // (The bot pages' folders come with their paths: they are not walked again here.)
        let folders = model.paths.botFolders.union(SitePaths.folders(holding: jobs.lazy.map(\.path)))
        let writer = PageWriter(staging: staging, current: output, oldManifest: reusable, relink: spareState.map { Set($0.differs) }, intact: intact)
        let openFolders = writer.openFolders
        defer { PageWriter.close(openFolders) }
        do {
            try writer.makeFolders(folders)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        var manifest = SiteManifest(templateHash: templates.fingerprint, digest: digest.value)
        var stats = Stats()
        stats.fromSpare = spareState != nil
        var differs: [String] = []
        var dropped: [String] = []
        var rowCacheSave: Background<Void>?
        // Which pages the last build also made, for finding the ones it made and this one does
        // not: told by the writer's lookups when it had the whole last manifest, else looked up.
        let toldByWriter = reusable.count == oldManifest.pages.count
        // Only the spare's clean-up asks which pages are new: kept as a list (a first build's
        // 10,000 paths hashed into a set were 3 ms on one core after the pool), a set made then.
        var addedPaths: [String] = []
        var kept = 0
        func record(_ result: PageWriter.Result) {
            manifest.list(result.path, print: result.fingerprint)
            if toldByWriter {
                if result.listedBefore { kept += 1 } else { addedPaths.append(result.path) }
            }
            stats.pages += 1
            if result.rendered { stats.rendered += 1 }
            if result.written { stats.written += 1 } else { stats.reused += 1 }
        }
        do {
            // Rows are rendered only when a page listing them must be, and then only those whose
            // inputs changed since the last build (the rest come from the row cache), in parallel.
            if listingNeeded { _ = rows.rows }

            // Then every page in one pool: the other pages first (the index and catalog.json are
            // the largest, and must not be left for one core at the end), then the bot pages in
            // chunks. Each unit renders in parallel; its files are made under a lock (two threads
            // creating files in one folder only queue on its lock in the kernel), then written
            // outside it, side by side.
            enum Unit { case job(PageJob), bots(ArraySlice<BotPage>) }
            // Bringing the spare up to date, a bot page whose print is the published one's and
            // whose file the spare shares needs nothing at all: it stays out of the pool.
            var pending = botPages
            // The other pages likewise: their results are known here, and they take no unit of the
            // pool (at 1,000 bots, about half the jobs of a 1%-changed build, each a task made,
            // run and awaited).
            var settledJobs: [(unit: Int, bots: Bool, results: [PageWriter.Result])] = []
            if let relink = writer.relink {
                // A page settles when the last build made it with this print and the spare holds
                // the published file: its line in the last manifest, nil when it does not.
                @Sendable func settledLine(_ path: String, _ print: String) -> ManifestPages.Line? {
                    guard let line = reusable.line(path, print: print), !relink.contains(path) else { return nil }
                    return line
                }
                // Two lookups per bot, on all cores; then the pages are parted in their order.
                // Each page read where it lies (a copy retains its key's, path's and print's strings).
                let settles = botPages.parallelMapInPlace(workers: workers) { _, page in settledLine(page.pointee.path, page.pointee.print) }
                pending = []
                manifest.reserveListed(botPages.count + jobs.count)
                manifest.keepLines(of: reusable)
                // Each settled page as `record` would take it (listed before, neither rendered nor
                // written), counted once at the end: this loop runs on one core for every bot.
                var settled = 0
                // Each page read where it lies: only the pending ones are copied.
                botPages.withUnsafeBufferPointer { pages in
                    for i in pages.indices {
                        guard let line = settles[i] else { pending.append(pages[i]); continue }
                        manifest.list(pages[i].path, print: pages[i].print, kept: line)
                        settled += 1
                    }
                }
                stats.pages += settled
                stats.reused += settled
                stats.botPages += settled
                if toldByWriter { kept += settled }
                for (n, job) in jobs.enumerated() {
                    guard let print = job.fingerprint, settledLine(job.path, print) != nil else { continue }
                    settledJobs.append((n, false, [PageWriter.Result(path: job.path, fingerprint: print, rendered: false, written: false, listedBefore: true)]))
                }
            }
            let settledUnits = Set(settledJobs.map(\.unit))
            // Small chunks: a chunk's pages are held until stored, so memory stays flat in the number of bots.
            let chunk = 64
            let units = jobs.map(Unit.job) + stride(from: 0, to: pending.count, by: chunk).map { .bots(pending[$0..<min($0 + chunk, pending.count)]) }
            // The order units start in. A run with a few bot pages to render (at most a chunk per
            // core) starts them right after the two largest pages, catalog.json and the index:
            // left for last, the chunks ran on one core after the other had nothing left (a
            // tenth of a 1,000-bot 1%-changed build). Many chunks stay last, small as they are.
            // (Results are kept in the units' own order, whatever order they ran in.)
            var startOrder = Array(units.indices)
            if units.count > jobs.count, units.count - jobs.count <= workers {
                let early = min(2, jobs.count)
                startOrder = Array(0..<early) + Array(jobs.count..<units.count) + Array(early..<jobs.count)
            }
            if !settledUnits.isEmpty { startOrder.removeAll { settledUnits.contains($0) } }
            // The rows are saved while the bot pages are written and the site is finished and
            // published, from when the last listing page has placed them: the cache points into
            // the pages where the listing pages and catalog.json put them, named by what they are
            // in the staging folder, open here so the save finds it wherever it has been swapped
            // to by then (a file keeps its inode and time when its folder is renamed). A cache
            // saved by a build that is then not published names pages the published site does not
            // have: it serves no row.
            let rowsPlaced = Countdown(jobs.count - settledJobs.count) { [rowCachePath, staging] () -> Background<Void>? in
                guard let made = rows.ifMade else { return nil }
                let stagedFolder = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard stagedFolder >= 0 else { return nil }
                return Background { [keys = model.current.map(\.key)] in
                    defer { close(stagedFolder) }
                    try? RowCache.save(made, keys: keys, placed: placements, site: stagedFolder, to: rowCachePath)
                }
            }
            let storing = NSLock()
            let writeback = Writeback(folder: staging)
            defer { writeback.stop() }
            let pooled = try await withThrowingTaskGroup(of: (unit: Int, bots: Bool, results: [PageWriter.Result]).self) { group in
                var running = 0
                var all: [(unit: Int, bots: Bool, results: [PageWriter.Result])] = []
                for index in startOrder {
                    let unit = units[index]
                    if running >= workers, let done = try await group.next() { all.append(done); running -= 1 }
                    group.addTask {
                        switch unit {
                        case .job(let job):
                            let planned = try writer.plan(job.path, fingerprint: job.fingerprint, render: job.render)
                            let opened = try storing.withLock { () throws(SiteError) -> PageWriter.Opened in try writer.open(planned) }
                            let filled = try writer.fill([opened])
                            rowsPlaced.countDown()
                            return (index, false, filled)
                        case .bots(let slice):
                            let planned = try slice.map { page throws(SiteError) -> PageWriter.Planned in
                                try writer.plan(page.path, fingerprint: page.print) { () throws(SiteError) -> PageBytes in
                                    guard let context = contexts.bot(page.key, current: page.current) else { throw SiteError(file: page.path, reason: "no data for bot \(page.key)") }
                                    return .bytes(templates.renderBytes("bot", context))
                                }
                            }
                            let opened = try storing.withLock { () throws(SiteError) -> [PageWriter.Opened] in
                                var opened: [PageWriter.Opened] = []
                                do throws(SiteError) {
                                    for page in planned { opened.append(try writer.open(page)) }
                                } catch {
                                    _ = try? writer.fill(opened)
                                    throw error
                                }
                                return opened
                            }
                            return (index, true, try writer.fill(opened))
                        }
                    }
                    running += 1
                }
                for try await done in group { all.append(done) }
                return all
            }
            // In the order of the units, so the manifest lists the pages the same way each time.
            let results = (pooled + settledJobs).sorted { $0.unit < $1.unit }
            for unit in results { unit.results.forEach(record) }
            manifest.writeListedLines()
            rowCacheSave = rowsPlaced.started ?? nil
            let botResults = results.filter(\.bots).flatMap(\.results)
            stats.botPages += botResults.count
            stats.botPagesRendered = botResults.filter(\.rendered).count
            differs = results.flatMap { $0.results.filter(\.written).map(\.path) }
            // Pages dropped since the last build: looked for only when fewer of its pages are made now.
            if !toldByWriter {
                for (path, _) in manifest.listed {
                    if oldManifest.pages.contains(path) { kept += 1 } else { addedPaths.append(path) }
                }
            }
            if kept < oldManifest.pages.count {
                let made = Set(manifest.listed.lazy.map(\.path))
                dropped = oldManifest.pages.paths.filter { !made.contains($0) }
            }
            if let spareState {
                let added = Set(addedPaths), droppedSet = Set(dropped)
                func isMade(_ page: String) -> Bool { added.contains(page) || (oldManifest.pages.contains(page) && !droppedSet.contains(page)) }
                // The spare's pages this build does not have, and its folders it does not need.
                for page in dropped + spareState.differs.filter({ !isMade($0) }) { unlink("\(staging)/\(page)") }
                for folder in spareState.folders.keys.sorted().reversed() where !folder.isEmpty && !folders.contains(folder) {
                    rmdir("\(staging)/\(folder)")
                }
            }
        } catch let error as SiteError {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw SiteError(file: staging, reason: "\(error)")
        }
        // The published site becomes the spare once swapped out, if it is intact: it differs from
        // the new one in the pages written now and those dropped.
        let nextSpare = intact ? (spare: spare, folders: Array(oldManifest.folders.keys), differs: differs + dropped) : nil
        let botPaths = model.paths.bots
        // The model, the pages' inputs and the last manifest are freed on another thread once
        // the site is published (`publish`): at 10,000 bots that takes longer than publishing,
        // and done meanwhile it took a core from it.
        let leftovers = Leftovers((consume model, consume modelParts, consume contexts, consume prints, consume botPages, consume jobs, consume listing,
                   consume rows, consume placements, consume rowCacheRead, consume earlyCacheRead, consume changelogRead, consume earlyChangelogRead,
                   consume oldManifest, consume manifestRead,
                   consume reusable, consume writer, consume digest))
        return StagedSite(output: output, manifestPath: manifestPath,
                          publication: .swap(staging: staging, manifest: manifest, folders: folders, rowCacheSave: rowCacheSave, changelog: changelog.file, spare: nextSpare),
                          stats: stats, botPaths: botPaths, leftovers: leftovers)
    }

    /// The changelog cache of the build being staged: set when its changelog is rendered, and
    /// written then to its temporary file (in the pool, beside the other pages), which the
    /// publish renames into place (nil: none that can be filled in, or it could not be written).
    final class ChangelogBox: @unchecked Sendable {
        var cache: ChangelogCache?
        var file: AtomicFile.Prepared?
    }

    /// A run whose input digest is the last build's: every page but the changelog would come out
    /// as published, so only the changelog is made, from its cache with the new check time. Not
    /// taken when the cache is not this digest's, or when the published site lost or gained a
    /// file since (a folder's modification time moved, or a top-level page is gone): the full
    /// build then repairs it. No bot link is needed for reports: such a run has no changes.
    func quickUpdate(_ input: SiteInput, digest: InputDigest, oldManifest: SiteManifest) -> StagedSite? {
        guard oldManifest.digest == digest.value, !oldManifest.pages.isEmpty,
              let cache = ChangelogCache.read(ChangelogCache.path(besideManifest: manifestPath), digest: digest.value),
              oldManifest.isIntact(output) else { return nil }
        let page = cache.filled(takenAt: input.snapshot.takenAt)
        let changed = !PageBytes.bytes(page).matchesFile(atPath: "\(output)/changelog.html")
        var stats = Stats()
        stats.pages = oldManifest.pages.count
        stats.rendered = 1
        stats.written = changed ? 1 : 0
        stats.reused = stats.pages - stats.written
        stats.botPages = oldManifest.pages.count(withPrefix: "bots/")
        return StagedSite(output: output, manifestPath: manifestPath,
                          publication: .replace(changed ? [("changelog.html", Data(page))] : [], manifest: nil, changelog: nil),
                          stats: stats, botPaths: [:])
    }

    /// Every page but the bot pages, the two largest (the index and catalog.json) first so they
    /// start first in the pool, and whether any page listing bot rows must be rendered (then
    /// `rows` must be filled before the jobs run). The changelog's job also fills `changelog`.
    func listingJobs(_ input: SiteInput, _ model: SiteModel, _ contexts: PageContexts, _ prints: PageFingerprints, digest: InputDigest,
                     reusable: ManifestPages, rows: RowsBox, placements: Placements, changelog: ChangelogBox,
                     changelogBefore: Background<ChangelogCache?>) -> (jobs: [PageJob], listingNeeded: Bool) {
        let templates = self.templates
        func text(_ make: @escaping () -> String) -> () throws(SiteError) -> PageBytes { { .text(make()) } }
        var jobs: [PageJob] = []
        let indexPrint = prints.index()
        jobs.append(PageJob(path: "index.html", fingerprint: indexPrint,
                            render: {
            let all = rows.rows
            return Self.listing(all.rows.lazy.map(\.atRoot), keeping: all, placed: { placements.record(.atRoot, page: "index.html", bots: all.rows.indices, offsets: $0) }) {
                templates.render("index", contexts.index(botsHtml: $0))
            }
        }))
        jobs.append(PageJob(path: "catalog.json", fingerprint: prints.allBots("catalog.json"), render: {
            let all = rows.rows
            let fragments = model.rank.map { all.rows[$0].catalogJSON }
            let (page, offsets) = MachineOutput.catalogJSON(title: input.title, fragments: fragments, keeping: all)
            placements.record(.catalogJSON, page: "catalog.json", bots: model.rank, offsets: offsets)
            return .gathered(page)
        }))
        // A run's print walks all its changes (every bot, on the first run): made once, for its
        // page, the feed and its part of the changelog.
        var runPrints: [Int: String] = [:]
        for (index, entry) in input.history.enumerated() where PageContexts.isLong(entry.changes) {
            let print = prints.run(index)
            runPrints[index] = print
            jobs.append(PageJob(path: PageContexts.runPath(entry.at), fingerprint: print,
                                render: text { templates.render("changelog", contexts.runPage(entry)) }))
        }
        // The feed's runs (the newest) are printed here once, for the feed's print and the changelog.
        for index in input.history.indices.reversed().prefix(PageContexts.feedEntryLimit) where runPrints[index] == nil {
            runPrints[index] = prints.run(index)
        }
        jobs.insert(PageJob(path: "changelog.html", fingerprint: nil, render: { [runPrints] in
            // Each run's part as the last changelog had it, where its key and what it read around
            // it are the same (`FragmentMemo`); the others' contexts are made and rendered.
            let before = changelogBefore.value
            let memos = templates.takesFragments ? Self.changelogMemos(input, contexts, prints, runPrints: runPrints, templates: templates, before: before) : nil
            let runs = contexts.changelogRuns(memos: memos)
            // About the last page's size (a year of runs is tens of megabytes).
            let capacity = (before?.page.count ?? 0) + 65_536
            let pageLog = FragmentLog()
            let page = templates.renderBytes("changelog", TemplateSet.box(contexts.changelog(runs: runs)), log: pageLog, capacity: capacity)
            // The copy with the markers takes each run as the page has it, where it reads the same there.
            if let memos {
                let made = pageLog.fragments(in: page)
                for memo in memos { memo.cached = made[memo.key] ?? memo.cached }
            }
            let markedLog = FragmentLog()
            let marked = templates.renderBytes("changelog", TemplateSet.box(contexts.changelog(runs: runs, checked: (ChangelogCache.checkedAt, ChangelogCache.checkedAtISO))),
                                               log: markedLog, capacity: page.count + 4_096)
            let cache = ChangelogCache(digest: digest.value, page: marked, fragments: markedLog.entries)
            // Kept only when it gives back this very page (a template could change how the time reads).
            if cache.fills(page, takenAt: input.snapshot.takenAt) {
                changelog.cache = cache
                changelog.file = try? AtomicFile.prepare(to: ChangelogCache.path(besideManifest: manifestPath)) { cache.write(to: &$0) }
            }
            return .bytes(page)
        }), at: 2)
        jobs.append(PageJob(path: "404.html", fingerprint: nil, render: text { templates.render("404", contexts.notFound()) }))
        let feedPrint = prints.feed { runPrints[$0] ?? prints.run($0) }
        jobs.append(PageJob(path: "feed.xml", fingerprint: feedPrint, render: text { templates.render("feed", contexts.feed()) }))
        var listingNeeded = !reusable.holds("index.html", print: indexPrint)
        var groupPaths: [String] = []
        for kind in PageContexts.GroupKind.allCases {
            let members = contexts.members(kind)
            let indexPath = "\(kind.folder)/index.html"
            groupPaths.append(indexPath)
            let listing = members.keys.sorted().map { (contexts.groupLabel(kind, $0), contexts.groupPath(kind, $0) ?? "", members[$0]?.count ?? 0) }
            jobs.append(PageJob(path: indexPath, fingerprint: prints.list(indexPath, listing),
                                render: text { templates.render("groups", contexts.groups(kind)) }))
            for name in members.keys.sorted() {
                guard let path = contexts.groupPath(kind, name) else { continue }
                groupPaths.append(path)
                let print = prints.group(kind.rawValue, name, members: members[name] ?? [])
                if !reusable.holds(path, print: print) { listingNeeded = true }
                jobs.append(PageJob(path: path, fingerprint: print,
                                    render: {
                    let all = rows.rows
                    let bots = members[name] ?? []
                    return Self.listing(bots.lazy.map { all.rows[$0].oneDown }, keeping: all, placed: { placements.record(.oneDown, page: path, bots: bots, offsets: $0) }) {
                        templates.render("group", contexts.group(kind, name, botsHtml: $0))
                    }
                }))
            }
        }
        if let base = input.baseURL {
            let paths = groupPaths
            // Among the first in the pool, after the index and catalog.json: it lists every bot,
            // and left among the last it was the pool's tail on a run where 1% changed.
            jobs.insert(PageJob(path: "sitemap.xml", fingerprint: prints.allBots("sitemap:" + groupPaths.joined(separator: ",")),
                                render: { .bytes(MachineOutput.sitemap(model, base: base, groupPaths: paths)) }), at: 2)
        }
        for asset in templates.assets {
            jobs.append(PageJob(path: asset.path, fingerprint: nil, render: { .data(asset.data) }))
        }
        jobs.append(PageJob(path: Self.marker, fingerprint: nil, render: { .data(Data("This folder is generated by botcatalog and replaced on every run.\n".utf8)) }))
        return (jobs, listingNeeded)
    }

    /// A memo per run, in history order: its key covers the run's print (its changes, its bots'
    /// pages, the organizations' names) and the templates'; its fragment is the last changelog's
    /// for that key, if any.
    static func changelogMemos(_ input: SiteInput, _ contexts: PageContexts, _ prints: PageFingerprints, runPrints: [Int: String],
                               templates: TemplateSet, before: ChangelogCache?) -> [FragmentMemo] {
        let fragments = before?.fragmentsByKey ?? [:]
        return input.history.indices.map { index in
            var key = Fingerprint()
            key.add("changelog-run")
            key.add(templates.fingerprint)
            key.add(runPrints[index] ?? prints.run(index))
            return FragmentMemo(key: key.value, cached: fragments[key.value]) { contexts.changelogRun(index) }
        }
    }

    /// The files to replace in place when every fingerprinted page matches the published site,
    /// the same pages exist, and at most one of the always-rendered ones changed; nil otherwise.
    func inPlaceUpdate(botPages: [BotPage], jobs: [PageJob], listingNeeded: Bool, reusable: ManifestPages,
                       intact: Bool) throws(SiteError) -> (files: [(path: String, data: Data)], stats: Stats)? {
        // `intact`: the published site still holds the last build's files (`SiteManifest.isIntact`).
        guard intact, !listingNeeded, !reusable.isEmpty, reusable.count == botPages.count + jobs.count else { return nil }
        for page in botPages where !reusable.holds(page.path, print: page.print) { return nil }
        for job in jobs {
            guard let old = reusable[job.path] else { return nil }
            if let print = job.fingerprint, print != old { return nil }
        }
        var files: [(path: String, data: Data)] = []
        var stats = Stats()
        stats.pages = botPages.count + jobs.count
        stats.botPages = botPages.count
        for job in jobs where job.fingerprint == nil {
            let bytes = try job.render()
            stats.rendered += 1
            if !bytes.matchesFile(atPath: "\(output)/\(job.path)") { files.append((job.path, bytes.data)) }
            if files.count > 1 { return nil }
        }
        stats.written = files.count
        stats.reused = stats.pages - files.count
        return (files, stats)
    }

    /// Stands for a listing's rows while its page is rendered (private-use characters, which
    /// `DisplayText` removes from API text, so no bot can forge it).
    static let rowsMarker = "\u{E000}rows\u{E001}"

    /// A page listing rows: rendered around a marker, then written as the text before it, the
    /// rows themselves and the text after, so the rows (megabytes on a large catalog's index and
    /// tag pages) are never joined and copied into one string: they are written from where they
    /// lie (`owner` keeps them there). A template that does not show `botsHtml` exactly once gets
    /// the rows joined in the usual way.
    /// `placed` is told where each row starts in the page, when they are written from where they lie.
    static func listing(_ rows: some Collection<ByteSpan>, keeping owner: AnyObject, placed: ([Int]) -> Void = { _ in },
                        render: (String) -> String) -> PageBytes {
        var page = render(rowsMarker)
        let marker = Array(rowsMarker.utf8)
        let found = page.withUTF8 { occurrences(of: marker, in: $0) }
        guard found.count == 1 else {
            return .data(Data(withExtendedLifetime(owner) { render(rows.map(\.string).joined()) }.utf8))
        }
        let utf8 = Array(page.utf8)
        var ends: [ByteSpan] = []
        let text = OwnedBytes([utf8[..<found[0]], utf8[(found[0] + marker.count)...]], spans: &ends)
        var pieces: [ByteSpan] = [ends[0]]
        pieces.reserveCapacity(rows.count + 2)
        var offsets: [Int] = []
        offsets.reserveCapacity(rows.count)
        var at = ends[0].count
        for row in rows {
            offsets.append(at)
            at += row.count
            pieces.append(row)
        }
        pieces.append(ends[1])
        placed(offsets)
        return .gathered(PageBytes.Gathered(pieces: pieces, owners: [text, owner]))
    }

    /// Stands for the way to the site root while a row is rendered (private-use characters).
    static let rootMarker = "\u{E000}root\u{E001}"

    /// The text with each replacement where `marker` stands: the marker is found once
    /// (`occurrences`), then each copy is made in spans. Foundation's `replacingOccurrences`
    /// compares grapheme by grapheme, and this runs per bot.
    static func replacing(_ marker: String, in text: [UInt8], with replacements: [String]) -> [[UInt8]] {
        let marker = Array(marker.utf8)
        let found = text.withUnsafeBufferPointer { occurrences(of: marker, in: $0) }
        return replacements.map { replacement -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(text.count + found.count * max(0, replacement.utf8.count - marker.count))
            append(text, replacing: found, length: marker.count, with: Array(replacement.utf8), into: &out)
            return out
        }
    }

    static let rootMarkerBytes = Array(rootMarker.utf8)

    /// `text` appended to `out`, with `replacement` for the `length` bytes at each of `found`
    /// (`occurrences` of a marker in it).
    static func append(_ text: [UInt8], replacing found: [Int], length: Int, with replacement: [UInt8], into out: inout [UInt8]) {
        text.withUnsafeBufferPointer { bytes in
            var copied = 0
            for at in found {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<at]))
                out.append(contentsOf: replacement)
                copied = at + length
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        }
    }

    /// Where `marker` starts in `bytes`, each time, not overlapping: `memchr` for its first byte
    /// (a private-use character's, which no ASCII text has), then a compare.
    static func occurrences(of marker: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        guard let base = bytes.baseAddress, let first = marker.first else { return [] }
        var found: [Int] = []
        var i = 0
        while i + marker.count <= bytes.count {
            guard let hit = memchr(base + i, Int32(first), bytes.count - i) else { break }
            let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
            if at + marker.count <= bytes.count, memcmp(base + at, marker, marker.count) == 0 {
                found.append(at)
                i = at + marker.count
            } else {
                i = at + 1
            }
        }
        return found
    }

    /// What the build keeps between runs in the state folder: the manifest and the caches.
    public var stateFiles: [String] { [manifestPath, rowCachePath, spare.statePath, ChangelogCache.path(besideManifest: manifestPath)] }

    var rowCachePath: String { SiteManifest.stateFile("site-rows.cache", besideManifest: manifestPath) }

    /// The site before the last swap, beside `output`, and its record in the state folder.
    var spare: SpareSite {
        let parent = (output as NSString).deletingLastPathComponent
        return SpareSite(path: "\(parent)/.\((output as NSString).lastPathComponent).spare",
                         statePath: SiteManifest.stateFile("site-spare.json", besideManifest: manifestPath))
    }

    /// The folders beside `output` that the build keeps between runs: the spare site.
    public var keptFolders: [String] { [spare.path] }

    /// Every current bot's row (`bot-row.mustache`) at both depths, in display order: from the
    /// cache when the row's fingerprint matches, rendered (in parallel) otherwise.
    static func renderRows(_ model: SiteModel, _ contexts: PageContexts, _ prints: PageFingerprints, templates: TemplateSet,
                           cache: RowCache, workers: Int) -> Rows {
        let parts = rowParts(count: model.current.count, workers: workers).parallelMap(workers: workers, minimum: 2) { range in
            rowPart(range, model, contexts, prints, templates: templates, cache: cache)
        }
        return Rows(cache: cache, parts: parts)
    }

    /// The rows' parts: several per worker, taken as workers come free (see `parallelMapIndexed`).
    static func rowParts(count: Int, workers: Int) -> [Range<Int>] {
        let chunk = max(256, (count + workers * 8 - 1) / (workers * 8))
        return stride(from: 0, to: count, by: chunk).map { $0..<min($0 + chunk, count) }
    }

    /// The rows of the current bots in `range` (display order), and what holds the new ones' bytes.
    static func rowPart(_ range: Range<Int>, _ model: SiteModel, _ contexts: PageContexts, _ prints: PageFingerprints, templates: TemplateSet,
                        cache: RowCache) -> RowPart {
        let start = range.lowerBound, end = range.upperBound
        var rows: [RowCache.Row?] = []
        rows.reserveCapacity(end - start)
        // The part's new rows are written one after the other into one buffer, kept once they
        // are all rendered (a buffer per row grew the allocator's heap a row at a time, one
        // `mprotect` call each, and was copied again into the kept one); each row's template
        // is rendered into a scratch buffer used again for every row.
        var out: [UInt8] = []
        var scratch: [UInt8] = []
        // Where each new row's print, two depths and catalog.json object end in `out`, by its place in `rows`
        // (each starts where the one before it ends).
        var rendered: [(at: Int, ends: (Int, Int, Int, Int))] = []
        // Each row is looked for where the cache's order says, shifted by what the rows
        // before it found (a bot added or removed since moves the ones after it).
        var shift = 0
        // First the rows the cache holds, then the others rendered, into a buffer sized for them.
        var missing: [(at: Int, bot: Int, print: String)] = []
        for i in start..<end {
            let print = prints.row(i)
            if let at = cache.place(of: model.current[i].key, near: i + shift) {
                shift = at - i
                if let cached = cache.row(at: at, fingerprint: print) { rows.append(cached); continue }
            }
            missing.append((rows.count, i, print))
            rows.append(nil)
        }
        if !missing.isEmpty { out.reserveCapacity(missing.count * 4096) }
        let oneDown = Array("../".utf8)
        for (at, i, print) in missing {
            out.append(contentsOf: print.utf8)
            let printEnd = out.count
            // Rendered once with a marker for the way to the root, then written for both
            // depths: the marker only ever becomes "" or "../", wherever it stands.
            scratch.removeAll(keepingCapacity: true)
            templates.render("bot-row", contexts.row(i, root: rootMarker), into: &scratch)
            let found = scratch.withUnsafeBufferPointer { occurrences(of: rootMarkerBytes, in: $0) }
            append(scratch, replacing: found, length: rootMarkerBytes.count, with: [], into: &out)
            let atRootEnd = out.count
            append(scratch, replacing: found, length: rootMarkerBytes.count, with: oneDown, into: &out)
            let oneDownEnd = out.count
            model.current.withEntry(i) { MachineOutput.catalogObject(at: $0, path: model.currentPaths[i], into: &out) }
            rendered.append((at, (printEnd, atRootEnd, oneDownEnd, out.count)))
        }
        guard !rendered.isEmpty else { return RowPart(rows: rows.map { $0! }, made: []) }
        var spans: [ByteSpan] = []
        let made = OwnedBytes([out], spans: &spans)
        let base = spans[0].start!
        var next = 0
        for (at, ends) in rendered {
            func span(_ from: Int, _ to: Int) -> ByteSpan { ByteSpan(start: base + from, count: to - from) }
            rows[at] = RowCache.Row(fingerprint: span(next, ends.0), atRoot: span(ends.0, ends.1), oneDown: span(ends.1, ends.2), catalogJSON: span(ends.2, ends.3))
            next = ends.3
        }
        return RowPart(rows: rows.map { $0! }, made: [made])
    }

    /// Some bots' rows, and what holds the bytes of those rendered this run.
    struct RowPart: Sendable {
        var rows: [RowCache.Row]
        var made: [OwnedBytes]
    }

    /// Parts of the rows made as units of another pool's work (`beside`), each unit filling its
    /// own part; put together once all are done.
    final class RowPartsInPool: @unchecked Sendable {
        let ranges: [Range<Int>]
        private let lock = NSLock()
        private var parts: [RowPart?]

        init(_ ranges: [Range<Int>]) {
            self.ranges = ranges
            parts = Array(repeating: nil, count: ranges.count)
        }

        /// One unit per part, each rendering it with `render`.
        func units(_ render: @escaping @Sendable (Range<Int>) -> RowPart) -> [@Sendable () -> Void] {
            ranges.indices.map { n in { [self] in
                let part = render(ranges[n])
                lock.withLock { parts[n] = part }
            } }
        }

        /// The rows, once every unit has run.
        func rows(cache: RowCache) -> Rows {
            Rows(cache: cache, parts: lock.withLock { parts.map { $0! } })
        }
    }

    /// Refuses to replace a folder botcatalog did not make (e.g. `output: .` would wipe a repo).
    func checkOutputIsOurs() throws(SiteError) {
        // The usual case: the marker is there (so `output` is a folder), and nothing need be listed.
        if access("\(output)/\(Self.marker)", F_OK) == 0 { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw SiteError(file: output, reason: "`output` is a file, not a folder; choose a folder for the site")
        }
        let contents = FolderNames.of(output)
        if contents.isEmpty || contents.contains(Self.marker) { return }
        throw SiteError(file: output, reason: "`output` exists and was not made by botcatalog (no \(Self.marker) inside); choose an empty or new folder, botcatalog replaces it whole")
    }

    /// Removes staging folders of runs that were killed (the run lock guarantees none is live),
    /// and restores a site left aside by an interrupted non-atomic swap.
    func cleanLeftovers(parent: String, name: String) throws(SiteError) {
        let siblings = FolderNames.of(parent)
        for sibling in siblings where sibling.hasPrefix(".\(name).staging-") {
            try? FileManager.default.removeItem(atPath: "\(parent)/\(sibling)")
        }
        let aside = "\(parent)/.\(name).previous"
        if access(aside, F_OK) == 0 {
            if access(output, F_OK) != 0 {
                rename(aside, output)
            } else {
                try? FileManager.default.removeItem(atPath: aside)
            }
        }
        // A page replaced in place by a run that was killed may have left its temporary file
        // (`AtomicFile`'s `.name.tmp-…`) in the published site: the site holds no other dot files.
        for folder in Set([output] + templates.assets.map { "\(output)/\(($0.path as NSString).deletingLastPathComponent)" }) {
            for file in FolderNames.of(folder) where file.hasPrefix(".") && file.contains(".tmp-") {
                unlink("\(folder)/\(file)")
            }
        }
    }
}

/// A built site waiting to be published: a staging folder to swap in, or (when at most one file
/// changed) the files to replace in place.
public struct StagedSite: Sendable {
    public let output: String
    let manifestPath: String
    enum Publication: Sendable {
        /// The new site in `staging`, its page fingerprints, the saving of the row cache (nil:
        /// rows were not needed) and the changelog's cache, written and waiting to be renamed in
        /// (nil: none that can be filled in).
        /// `spare`: the published site is to be kept as the spare (its folders, and the pages in
        /// which it will differ from the new site); nil: it is removed.
        case swap(staging: String, manifest: SiteManifest, folders: Set<String>, rowCacheSave: Background<Void>?, changelog: AtomicFile.Prepared?,
                  spare: (spare: SpareSite, folders: [String], differs: [String])?)
        /// At most one file, written beside itself and renamed over the published one; then the
        /// manifest and changelog cache when they changed (nil: they did not).
        case replace([(path: String, data: Data)], manifest: SiteManifest?, changelog: AtomicFile.Prepared?)
    }
    /// The publication until `publish` or `discard` takes it: once taken, a second call does
    /// nothing (a discard after publishing must not touch the published site), and what it held
    /// (a 10,000-page manifest) is freed on another thread instead of by whoever drops the site.
    private let pending: Pending
    public let stats: SiteBuilder.Stats
    /// Each bot's page, relative to the site root (for links in reports). Empty when the run's
    /// input was the last build's (`SiteBuilder.quickUpdate`): such a run has no change to link.
    public let botPaths: [BotKey: String]

    /// What the build leaves (its model, the last manifest), freed on another thread once the
    /// site is published or discarded (or here, when the staged site is dropped unpublished).
    private let leftovers: Leftovers?

    init(output: String, manifestPath: String, publication: Publication, stats: SiteBuilder.Stats, botPaths: [BotKey: String],
         leftovers: Leftovers? = nil) {
        self.output = output
        self.manifestPath = manifestPath
        pending = Pending(publication)
        self.stats = stats
        self.botPaths = botPaths
        self.leftovers = leftovers
    }

    final class Pending: @unchecked Sendable {
        private let lock = NSLock()
        private var publication: Publication?

        init(_ publication: Publication) { self.publication = publication }

        func take() -> Publication? {
            lock.withLock {
                defer { publication = nil }
                return publication
            }
        }
    }

    /// Makes the new site the published one: swaps the staging folder in (one
    /// `renameat2(RENAME_EXCHANGE)` where the system has it), then records the page fingerprints
    /// and caches while the old site is removed; or replaces the one changed file atomically.
    public func publish() throws(SiteError) {
        defer { leftovers?.dropInBackground() }
        guard let publication = pending.take() else { return }
        try publish(publication)
        Leftovers(consume publication).dropInBackground()
    }

    private func publish(_ publication: Publication) throws(SiteError) {
        switch publication {
        case .replace(let files, let manifest, let changelog):
            for file in files {
                do {
                    try AtomicFile.write(file.data, to: "\(output)/\(file.path)")
                } catch {
                    throw SiteError(file: "\(output)/\(file.path)", reason: "cannot replace the page (\(error.reason))")
                }
            }
            if let manifest { record(manifest, folders: manifest.folders.keys, changelog: changelog) }
        case .swap(let staging, let manifest, let folders, let rowCacheSave, let changelog, let spare):
            let old = try swap(staging)
            // The old site becomes the spare, or is removed beside the recording of the manifest.
            var kept: (spare: SpareSite, folders: [String], differs: [String])?
            var removal: Background<Void>?
            if let old {
                if let spare, old == spare.spare.path || rename(old, spare.spare.path) == 0 {
                    kept = spare
                } else {
                    removal = Background { botcatalog_remove_tree(old) }
                }
            }
            record(manifest, folders: folders, changelog: changelog)
            // Recorded after the manifest: a crash in between leaves a spare with no record, never
            // a record whose published site is not the manifest's.
            if let kept { kept.spare.record(folders: kept.folders, differs: kept.differs) }
            removal?.value
            _ = rowCacheSave?.value
        }
    }

    /// Records the published site's fingerprints, digest and folder times, and its changelog
    /// cache. The cache goes first and names its digest, so a crash in between leaves a cache
    /// the manifest does not match rather than one that looks current.
    private func record(_ manifest: SiteManifest, folders: some Sequence<String>, changelog: AtomicFile.Prepared?) {
        let cachePath = ChangelogCache.path(besideManifest: manifestPath)
        // Written to its temporary file when the changelog was rendered: renamed in here, in its turn.
        var cached = false
        if let changelog { cached = (try? changelog.commit()) != nil }
        if !cached { unlink(cachePath) }
        var manifest = manifest
        manifest.folders = SiteManifest.folderTimes(output, folders: folders)
        try? AtomicFile.write(to: manifestPath) { manifest.write(to: &$0) }
    }

    /// Returns the old site's folder, to be removed (nil when there was none).
    private func swap(_ staging: String) throws(SiteError) -> String? {
        let parent = (output as NSString).deletingLastPathComponent
        if let fd = Optional(open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)), fd >= 0 {
            botcatalog_syncfs(fd)
            close(fd)
        }
        if FileManager.default.fileExists(atPath: output) {
            if botcatalog_rename_exchange(staging, output) != 0 {
                // Fallback where the file system cannot exchange: set the old site aside, move the
                // new one in. A crash in between is repaired by the next run (`cleanLeftovers`).
                let aside = "\(parent)/.\((output as NSString).lastPathComponent).previous"
                guard rename(output, aside) == 0 else { throw SiteError(file: output, reason: "cannot replace the site (\(AtomicFile.errnoText()))") }
                guard rename(staging, output) == 0 else {
                    rename(aside, output)
                    throw SiteError(file: output, reason: "cannot move the new site in (\(AtomicFile.errnoText()))")
                }
                AtomicFile.syncFolder(parent)
                return aside
            }
            // The old site, now at the staging path: most of its files are links to the new one's.
            AtomicFile.syncFolder(parent)
            return staging
        }
        guard rename(staging, output) == 0 else { throw SiteError(file: output, reason: "cannot move the new site in (\(AtomicFile.errnoText()))") }
        AtomicFile.syncFolder(parent)
        return nil
    }

    /// Drops the staged site (the run failed before publishing).
    public func discard() {
        defer { leftovers?.dropInBackground() }
        switch pending.take() {
        case .swap(let staging, _, _, let rowCacheSave, let changelog, _):
            changelog?.discard()
            // The row cache looks at the staged pages while it is saved.
            _ = rowCacheSave?.value
            botcatalog_remove_tree(staging)
        case .replace(_, _, let changelog):
            changelog?.discard()
        case nil:
            break
        }
    }
}

/// Page path → fingerprint of the inputs it was rendered from; the digest of the whole input;
/// and each folder's modification time when the site was published, to tell cheaply that no
/// file was added or removed since.
///
/// Kept as lines, read and written on every run (10,000 pages at 10,000 bots): a header, then
/// `t` template hash, `d` digest, `f` time and folder, `p` fingerprint and page, the path last
/// on its line. A page whose path holds a line break is not recorded (it is rendered again).
struct SiteManifest: Sendable {
    var templateHash: String
    var digest = ""
    /// The pages and their prints: the file's lines when read (a build fills `listed` instead).
    var pages = ManifestPages.empty
    var folders: [String: String] = [:]
    /// The pages at the site's top (no folder), which `isIntact` looks for one by one.
    private(set) var topLevel: [String] = []
    /// The pages and fingerprints in the order they are written to the file: the build's (a
    /// build fills only this, no table it does not read; `list`). Empty: `pages` is written, in
    /// its order.
    private(set) var listed: [(path: String, print: String)] = []
    /// For each of `listed`, its line in `keptFrom` when the last build's manifest lists the page
    /// with the same print: written out as it is there, not made again from the two strings (at
    /// 10,000 pages, reading every page's strings, each where it lies, took 3 ms when the site
    /// was published).
    private var keptLines: [ManifestPages.Line?] = []
    private var keptFrom = ManifestPages.empty
    /// The `p` lines of `listed`, being written out on another thread (`writeListedLines`).
    private var listedLines: Background<[UInt8]>?

    init(templateHash: String, digest: String = "", pages: [String: String] = [:]) {
        self.templateHash = templateHash
        self.digest = digest
        self.pages = ManifestPages(pages)
    }

    static let header = "botcatalog-site-manifest 2\n"

    /// A file the site build keeps in the state folder, beside the manifest (the caches).
    static func stateFile(_ name: String, besideManifest manifestPath: String) -> String {
        (manifestPath as NSString).deletingLastPathComponent + "/" + name
    }

    /// The file's bytes: the same site gives the same file (pages as `listed`).
    var data: Data {
        var out = head
        out += pageLines
        return Data(out)
    }

    /// The file's bytes written to `sink`, the page lines as they are (at 50,000 pages, joining
    /// them to the rest and then into `Data` were two copies of 3 MB on the build's last stretch).
    func write(to sink: inout AtomicFile.Sink) {
        head.withUnsafeBytes { sink.write($0) }
        pageLines.withUnsafeBytes { sink.write($0) }
    }

    /// The header, template hash, digest and folder lines.
    private var head: [UInt8] {
        var out: [UInt8] = Array(Self.header.utf8)
        out.reserveCapacity(folders.count * 64 + 256)
        Self.line(UInt8(ascii: "t"), templateHash, into: &out)
        Self.line(UInt8(ascii: "d"), digest, into: &out)
        for (folder, time) in folders.sorted(by: { $0.key < $1.key }) where Self.listable(folder) { Self.line(UInt8(ascii: "f"), time, folder, into: &out) }
        return out
    }

    /// The `p` lines.
    private var pageLines: [UInt8] {
        if let listedLines { return listedLines.value }
        if !listed.isEmpty { return pageLinesOfListed }
        var out: [UInt8] = []
        out.reserveCapacity(pages.count * 64)
        pages.appendLines(to: &out)
        return out
    }

    /// The last build's pages, whose lines `list(_:print:kept:)` names (set once, before them).
    mutating func keepLines(of pages: ManifestPages) {
        keptFrom = pages
    }

    /// Lists a page, after those listed: `kept`, its line in the pages given to `keepLines`,
    /// which list it with the same print.
    mutating func list(_ path: String, print: String, kept: ManifestPages.Line? = nil) {
        listed.append((path, print))
        keptLines.append(kept)
        listedLines = nil
    }

    mutating func reserveListed(_ count: Int) {
        listed.reserveCapacity(count)
        keptLines.reserveCapacity(count)
    }

    /// Starts writing out the `p` lines of `listed` on another thread, for `data` to take: a
    /// build's manifest lists every page, and its lines were written on one core while the site
    /// was published. (Listing another page after drops them.)
    mutating func writeListedLines() {
        listedLines = Background { [listed, keptLines, keptFrom] in Self.lines(listed, kept: keptLines, from: keptFrom) }
    }

    private var pageLinesOfListed: [UInt8] { Self.lines(listed, kept: keptLines, from: keptFrom) }

    private static func lines(_ listed: [(path: String, print: String)], kept: [ManifestPages.Line?], from pages: ManifestPages) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(listed.count * 64)
        // A page's strings are read only when its line is not kept (a kept one's path has no line break).
        listed.withUnsafeBufferPointer { listed in
            for i in listed.indices {
                if let line = kept[i] { pages.appendLine(line, to: &out); continue }
                let path = listed[i].path
                if listable(path) { line(UInt8(ascii: "p"), listed[i].print, path, into: &out) }
            }
        }
        return out
    }

    /// A path with a line break cannot be a line. (Read where it lies: this runs for every page.)
    private static func listable(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { bytes in bytes.isEmpty || memchr(bytes.baseAddress!, 0x0A, bytes.count) == nil }
    }

    private static func line(_ kind: UInt8, _ value: String, _ path: String? = nil, into out: inout [UInt8]) {
        out.append(kind)
        out.append(UInt8(ascii: " "))
        CompiledTemplates.append(value, to: &out)
        if let path {
            out.append(UInt8(ascii: " "))
            CompiledTemplates.append(path, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// The digest the last build recorded, read from the file's first lines only (the whole
    /// file takes milliseconds to read); "" when there is none.
    static func readDigest(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 512)
        let count = head.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return "" }
        let lines = head[..<count].split(separator: UInt8(ascii: "\n"), maxSplits: 3, omittingEmptySubsequences: false)
        guard lines.count > 3, lines[2].starts(with: "d ".utf8) else { return "" }
        return String(decoding: lines[2].dropFirst(2), as: UTF8.self)
    }

    /// The manifest the last build recorded; an empty one (everything is rendered) when there is
    /// none or it cannot be read. A manifest in the JSON form earlier versions wrote is read too.
    static func read(_ path: String) -> SiteManifest {
        guard let data = FileManager.default.contents(atPath: path) else { return SiteManifest(templateHash: "") }
        if data.first == UInt8(ascii: "{") { return readJSON(data) }
        // (Offsets are kept as 32-bit numbers: a manifest of 2 GB is not one a build wrote.)
        guard data.count < Int(Int32.max) else { return SiteManifest(templateHash: "") }
        let file = [UInt8](data)
        return file.withUnsafeBufferPointer { parse($0, file: file) } ?? SiteManifest(templateHash: "")
    }

    /// The manifest in `bytes`; its pages stay in `file` (the same bytes), as lines.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: [UInt8]) -> SiteManifest? {
        let header = Array(Self.header.utf8)
        guard let base = bytes.baseAddress, bytes.count >= header.count, memcmp(base, header, header.count) == 0 else { return nil }
        var manifest = SiteManifest(templateHash: "")
        var pages: [ManifestPages.Line] = []
        pages.reserveCapacity(bytes.count / 64)
        func text(_ from: Int, _ to: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self) }
        var i = header.count
        while i < bytes.count {
            guard let newline = memchr(base + i, Int32(UInt8(ascii: "\n")), bytes.count - i) else { return nil }
            let end = UnsafePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - base
            guard end - i >= 2, bytes[i + 1] == UInt8(ascii: " ") else { return nil }
            let kind = bytes[i], start = i + 2
            i = end + 1
            switch kind {
            case UInt8(ascii: "t"): manifest.templateHash = text(start, end)
            case UInt8(ascii: "d"): manifest.digest = text(start, end)
            case UInt8(ascii: "f"), UInt8(ascii: "p"):
                guard let found = memchr(base + start, Int32(UInt8(ascii: " ")), end - start) else { return nil }
                let space = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                if kind == UInt8(ascii: "f") {
                    manifest.folders[text(space + 1, end)] = text(start, space)
                } else {
                    pages.append(ManifestPages.Line(print: Int32(start), path: Int32(space + 1), end: Int32(end)))
                    if memchr(base + space + 1, Int32(UInt8(ascii: "/")), end - space - 1) == nil { manifest.topLevel.append(text(space + 1, end)) }
                }
            default:
                return nil
            }
        }
        manifest.pages = ManifestPages(bytes: file, found: pages)
        return manifest
    }

    private static func readJSON(_ data: Data) -> SiteManifest {
        guard let json = try? JSONReader.read(data), case .string(let hash)? = json["templateHash"], case .object(let pages)? = json["pages"] else {
            return SiteManifest(templateHash: "")
        }
        var manifest = SiteManifest(templateHash: hash, digest: json["digest"]?.stringValue ?? "", pages: pages.compactMapValues(\.stringValue))
        if case .object(let folders)? = json["folders"] { manifest.folders = folders.compactMapValues(\.stringValue) }
        manifest.topLevel = manifest.pages.paths.filter { !$0.utf8.contains(UInt8(ascii: "/")) }
        return manifest
    }

    /// The modification time (to the nanosecond) of each folder, under `site`.
    /// ("" stands for `site` itself; a folder that cannot be read has no time.)
    static func folderTimes(_ site: String, folders: some Sequence<String>) -> [String: String] {
        var times: [String: String] = [:]
        for folder in folders { times[folder] = modificationTime(folder.isEmpty ? site : "\(site)/\(folder)") }
        return times
    }

    /// Whether every folder under `site` still has the time recorded (nothing recorded: no).
    static func foldersUnchanged(_ site: String, since times: [String: String]) -> Bool {
        !times.isEmpty && folderTimes(site, folders: times.keys) == times
    }

    static func modificationTime(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    /// Whether the published site still holds what this manifest recorded: every folder has the
    /// modification time it had when published (a file added or removed moves it), and every
    /// top-level page is there (the top folder itself changes on every in-place replace).
    func isIntact(_ site: String) -> Bool {
        guard Self.foldersUnchanged(site, since: folders) else { return false }
        for page in topLevel where access("\(site)/\(page)", F_OK) != 0 { return false }
        return true
    }
}
