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

    public init(output: String, manifestPath: String, templates: TemplateSet, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
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

        public init() {}
    }

    static let marker = ".botcatalog-site"

    /// Builds the site into a staging folder; `publish` swaps it in. Split so the pipeline can
    /// commit the state between the two.
    public func stage(_ input: SiteInput) async throws(SiteError) -> StagedSite {
        try checkOutputIsOurs()
        let parent = (output as NSString).deletingLastPathComponent
        let name = (output as NSString).lastPathComponent
        let staging = "\(parent)/.\(name).staging-\(getpid())"
        try cleanLeftovers(parent: parent, name: name)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw SiteError(file: staging, reason: "cannot create the staging folder beside `output` (\((error as NSError).localizedDescription)); check that \(parent) is writable")
        }
        let oldManifest = SiteManifest.read(manifestPath)
        let model = SiteModel(input)
        let contexts = PageContexts(model: model)
        let writer = PageWriter(staging: staging, current: output,
                                oldManifest: oldManifest.templateHash == templates.fingerprint ? oldManifest.pages : [:])
        defer { writer.close() }
        let prints = PageFingerprints(model: model, templateHash: templates.fingerprint)
        var manifest = SiteManifest(templateHash: templates.fingerprint)
        var stats = Stats()
        var rows: [RowCache.Row] = []
        func record(_ result: PageWriter.Result) {
            manifest.pages[result.path] = result.fingerprint
            stats.pages += 1
            if result.rendered { stats.rendered += 1 }
            if result.written { stats.written += 1 } else { stats.reused += 1 }
        }
        let templates = self.templates
        do {
            // Bot pages: the bulk, in parallel chunks, each worker streaming its pages to disk.
            let keys = model.botPageKeys
            let storing = NSLock()
            let chunk = max(64, (keys.count + workers * 4 - 1) / (workers * 4))
            let results = try await withThrowingTaskGroup(of: [PageWriter.Result].self) { group in
                var start = 0
                var running = 0
                var all: [PageWriter.Result] = []
                while start < keys.count {
                    let slice = Array(keys[start..<min(start + chunk, keys.count)])
                    start += chunk
                    if running >= workers, let done = try await group.next() { all += done; running -= 1 }
                    group.addTask {
                        // Rendered in parallel, stored one chunk at a time.
                        let planned = try slice.compactMap { (key: BotKey) throws(SiteError) -> PageWriter.Planned? in
                            guard let path = model.paths.bots[key] else { return nil }
                            return try writer.plan(path, fingerprint: prints.bot(key)) { () throws(SiteError) -> Data in
                                guard let context = contexts.bot(key) else { throw SiteError(file: path, reason: "no data for bot \(key)") }
                                return Data(templates.render("bot", context).utf8)
                            }
                        }
                        return try storing.withLock { () throws(SiteError) -> [PageWriter.Result] in try planned.map(writer.store) }
                    }
                    running += 1
                }
                for try await done in group { all += done }
                return all
            }
            results.forEach(record)
            stats.botPages = results.count
            stats.botPagesRendered = results.filter(\.rendered).count

            // Pages listing many bots: rendered only when a member or the list changed.
            // Rows are rendered only when a page listing them must be, and then only those whose
            // inputs changed since the last build (the rest come from the row cache), in parallel.
            let indexPrint = prints.index()
            // Every group page with its fingerprint, worked out once for the check below and the writing.
            let groupPages = PageContexts.GroupKind.allCases.map { kind in
                let members = contexts.members(kind)
                return (kind, members, members.keys.sorted().compactMap { name -> (name: String, path: String, print: String)? in
                    guard let path = contexts.groupPath(kind, name) else { return nil }
                    return (name, path, prints.group(kind.rawValue, name, members: members[name] ?? []))
                })
            }
            let listingNeeded = !writer.isReusable("index.html", fingerprint: indexPrint)
                || groupPages.contains { $0.2.contains { !writer.isReusable($0.path, fingerprint: $0.print) } }
            if listingNeeded { rows = await renderRows(model, contexts, prints, cache: RowCache.read(rowCachePath)) }
            let rootRows = rows.map(\.atRoot)
            record(try writer.page("index.html", fingerprint: indexPrint, text: { templates.render("index", contexts.index(rows: rootRows)) }))
            record(try writer.page("changelog.html", text: { templates.render("changelog", contexts.changelog()) }))
            for entry in input.history where PageContexts.isLong(entry.changes) {
                let path = PageContexts.runPath(entry.at)
                record(try writer.page(path, fingerprint: prints.run(entry), text: { templates.render("changelog", contexts.runPage(entry)) }))
            }
            record(try writer.page("404.html", text: { templates.render("404", contexts.notFound()) }))
            record(try writer.page("feed.xml", fingerprint: prints.feed(), text: { templates.render("feed", contexts.feed()) }))
            record(try writer.page("catalog.json", fingerprint: prints.allBots("catalog.json")) {
                var objects: [BotKey: String] = [:]
                for (entry, row) in zip(model.current, rows) { objects[entry.key] = row.catalogJSON }
                let fragments = input.snapshot.entries.map { objects[$0.key] ?? MachineOutput.catalogObject($0, model: model) }
                return MachineOutput.catalogJSON(title: input.title, fragments: fragments)
            })
            var groupPaths: [String] = []
            for (kind, members, pages) in groupPages {
                let indexPath = "\(kind.folder)/index.html"
                groupPaths.append(indexPath)
                let listing = members.keys.sorted().map { (contexts.groupLabel(kind, $0), contexts.groupPath(kind, $0) ?? "", members[$0]?.count ?? 0) }
                record(try writer.page(indexPath, fingerprint: prints.list(indexPath, listing), text: { templates.render("groups", contexts.groups(kind)) }))
                for page in pages {
                    groupPaths.append(page.path)
                    record(try writer.page(page.path, fingerprint: page.print,
                                           text: { templates.render("group", contexts.group(kind, page.name) { rows[$0].oneDown }) }))
                }
            }
            if let base = input.baseURL {
                record(try writer.page("sitemap.xml", fingerprint: prints.allBots("sitemap:" + groupPaths.joined(separator: ","))) {
                    MachineOutput.sitemap(model, base: base, groupPaths: groupPaths)
                })
            }
            for asset in templates.assets {
                record(try writer.page(asset.path) { asset.data })
            }
            record(try writer.page(Self.marker) { "This folder is generated by botcatalog and replaced on every run.\n" })
        } catch let error as SiteError {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw SiteError(file: staging, reason: "\(error)")
        }
        var newCache = RowCache()
        for (entry, row) in zip(model.current, rows) { newCache.rows[entry.key] = row }
        return StagedSite(staging: staging, output: output, manifestPath: manifestPath, manifest: manifest, stats: stats,
                          botPaths: model.paths.bots,
                          rowCache: rows.isEmpty ? nil : (rowCachePath, newCache.data(order: model.current.map(\.key))))
    }

    /// Stands for the way to the site root while a row is rendered (private-use characters).
    static let rootMarker = "\u{E000}root\u{E001}"

    /// Puts `root` where the marker stands: a byte scan (Foundation's `replacingOccurrences`
    /// compares grapheme by grapheme, and this runs twice per bot).
    static func resolvingRoot(_ text: String, to root: String) -> String {
        let marker = Array(rootMarker.utf8)
        var text = text
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            var copied = 0
            while i + marker.count <= bytes.count {
                if bytes[i] == marker[0], bytes[i..<(i + marker.count)].elementsEqual(marker) {
                    out.append(contentsOf: bytes[copied..<i])
                    out.append(contentsOf: root.utf8)
                    i += marker.count
                    copied = i
                } else {
                    i += 1
                }
            }
            out.append(contentsOf: bytes[copied...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    var rowCachePath: String { (manifestPath as NSString).deletingLastPathComponent + "/site-rows.cache" }

    /// Every current bot's row (`bot-row.mustache`) at both depths, in display order: from the
    /// cache when the row's fingerprint matches, rendered (in parallel) otherwise.
    func renderRows(_ model: SiteModel, _ contexts: PageContexts, _ prints: PageFingerprints, cache: RowCache) async -> [RowCache.Row] {
        let count = model.current.count
        let chunk = max(256, (count + workers - 1) / workers)
        let templates = self.templates
        return await withTaskGroup(of: (Int, [RowCache.Row]).self) { group in
            for start in stride(from: 0, to: count, by: chunk) {
                group.addTask {
                    (start, (start..<min(start + chunk, count)).map { i -> RowCache.Row in
                        let entry = model.current[i]
                        let print = prints.row(entry.key)
                        if let cached = cache.rows[entry.key], cached.fingerprint == print { return cached }
                        // Rendered once with a marker for the way to the root, then made for both depths:
                        // the marker only ever becomes "" or "../", wherever it stands.
                        let row = templates.render("bot-row", contexts.row(entry, root: Self.rootMarker))
                        return RowCache.Row(fingerprint: print,
                                            atRoot: Self.resolvingRoot(row, to: ""),
                                            oneDown: Self.resolvingRoot(row, to: "../"),
                                            catalogJSON: MachineOutput.catalogObject(entry, model: model))
                    })
                }
            }
            var rows = [RowCache.Row](repeating: RowCache.Row(fingerprint: "", atRoot: "", oneDown: "", catalogJSON: ""), count: count)
            for await (start, part) in group { rows.replaceSubrange(start..<(start + part.count), with: part) }
            return rows
        }
    }

    /// Refuses to replace a folder botcatalog did not make (e.g. `output: .` would wipe a repo).
    func checkOutputIsOurs() throws(SiteError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output, isDirectory: &isDir) else { return }
        guard isDir.boolValue else {
            throw SiteError(file: output, reason: "`output` is a file, not a folder; choose a folder for the site")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
        if contents.isEmpty || contents.contains(Self.marker) { return }
        throw SiteError(file: output, reason: "`output` exists and was not made by botcatalog (no \(Self.marker) inside); choose an empty or new folder, botcatalog replaces it whole")
    }

    /// Removes staging folders of runs that were killed (the run lock guarantees none is live),
    /// and restores a site left aside by an interrupted non-atomic swap.
    func cleanLeftovers(parent: String, name: String) throws(SiteError) {
        let siblings = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for sibling in siblings where sibling.hasPrefix(".\(name).staging-") {
            try? FileManager.default.removeItem(atPath: "\(parent)/\(sibling)")
        }
        let aside = "\(parent)/.\(name).previous"
        if FileManager.default.fileExists(atPath: aside) {
            if !FileManager.default.fileExists(atPath: output) {
                rename(aside, output)
            } else {
                try? FileManager.default.removeItem(atPath: aside)
            }
        }
    }
}

/// A fully written site waiting to be swapped in.
public struct StagedSite: Sendable {
    public let staging: String
    public let output: String
    let manifestPath: String
    let manifest: SiteManifest
    public let stats: SiteBuilder.Stats
    /// Each bot's page, relative to the site root (for links in reports).
    public let botPaths: [BotKey: String]
    /// Where to keep the rows rendered by this build, and their bytes (nil: rows were not needed).
    let rowCache: (path: String, data: Data)?

    /// Swaps the staging folder in (one `renameat2(RENAME_EXCHANGE)` where the system has it),
    /// removes the old site, then records the page fingerprints.
    public func publish() throws(SiteError) {
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
                try? FileManager.default.removeItem(atPath: aside)
            } else {
                // The old site, now at the staging path: most of its files are links to the new one's.
                botcatalog_remove_tree(staging)
            }
        } else {
            guard rename(staging, output) == 0 else { throw SiteError(file: output, reason: "cannot move the new site in (\(AtomicFile.errnoText()))") }
        }
        AtomicFile.syncFolder(parent)
        try? AtomicFile.write(JSONWriter.data(manifest.json, pretty: false), to: manifestPath)
        if let rowCache { try? AtomicFile.write(rowCache.data, to: rowCache.path) }
    }

    /// Drops the staged site (the run failed before publishing).
    public func discard() {
        try? FileManager.default.removeItem(atPath: staging)
    }
}

/// Page path → fingerprint of the inputs it was rendered from.
struct SiteManifest: Sendable {
    var templateHash: String
    var pages: [String: String] = [:]

    var json: JSONValue {
        .object(["templateHash": .string(templateHash), "pages": .object(pages.mapValues(JSONValue.string))])
    }

    static func read(_ path: String) -> SiteManifest {
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONReader.read(data),
              case .string(let hash)? = json["templateHash"], case .object(let pages)? = json["pages"] else {
            return SiteManifest(templateHash: "")
        }
        return SiteManifest(templateHash: hash, pages: pages.compactMapValues(\.stringValue))
    }
}
