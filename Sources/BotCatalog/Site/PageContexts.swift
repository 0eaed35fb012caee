import Foundation

/// Builds the Mustache context of every page from the site model. Pure: values in, dictionaries out.
/// Every API text passes `DisplayText.clean`; Markdown passes cmark; URLs pass `CommonMark.isSafeURL`.
struct PageContexts: Sendable {
    let model: SiteModel
    /// The `site` object of pages without the check time, per way to the root, and the `nav` of
    /// bot pages: the same for every bot page, so made once rather than per page.
    private let siteScopes: [String: TemplateScope]
    private let homeNavigation: TemplateScope
    /// Each run's time as people read it: bots' times are runs' times, so each bot page would
    /// format the same few again (a few per page, 10,000 pages).
    private let readableTimes: [String: String]

    init(model: SiteModel) {
        self.model = model
        var times = [model.input.snapshot.takenAt: Timestamp.readable(model.input.snapshot.takenAt)]
        for entry in model.input.history where times[entry.at] == nil { times[entry.at] = Timestamp.readable(entry.at) }
        readableTimes = times
        var scopes: [String: TemplateScope] = [:]
        for depth in 0...3 {
            let root = String(repeating: "../", count: depth)
            scopes[root] = TemplateSet.box(Self.site(model.input, root: root, withCheck: false, botCount: model.current.count, checked: nil))
        }
        siteScopes = scopes
        var navigation = ContextBuilder(capacity: 1)
        navigation.set("home", true)
        homeNavigation = navigation.scope
    }

    var input: SiteInput { model.input }

    /// `Timestamp.readable`, looked up for the runs' times.
    func readable(_ time: String) -> String { readableTimes[time] ?? Timestamp.readable(time) }

    // MARK: Shared

    /// `withCheck` puts the run time on the page: only pages that must change on every run get it,
    /// so bot pages stay byte-identical when their bot did not change.
    /// `checked` stands for the time of the check when given (the changelog's cache).
    func site(root: String, withCheck: Bool, checked: (readable: String, iso: String)? = nil) -> [String: Any] {
        Self.site(input, root: root, withCheck: withCheck, botCount: model.current.count, checked: checked)
    }

    static func site(_ input: SiteInput, root: String, withCheck: Bool, botCount: Int, checked: (readable: String, iso: String)?) -> [String: Any] {
        var site: [String: Any] = ["title": input.title, "root": root, "feedURL": root + "feed.xml"]
        if withCheck {
            site["checkedAt"] = checked?.readable ?? Timestamp.readable(input.snapshot.takenAt)
            site["checkedAtISO"] = checked?.iso ?? input.snapshot.takenAt
            site["botCount"] = botCount
        }
        return site
    }

    func page(_ path: String, title: String, nav: String, withCheck: Bool = false, checked: (readable: String, iso: String)? = nil,
              extra: [String: Any] = [:]) -> [String: Any] {
        let root = SitePaths.root(of: path)
        var context: [String: Any] = [
            "site": site(root: root, withCheck: withCheck, checked: checked),
            "page": ["title": title],
            "nav": [nav: true],
        ]
        context.merge(extra) { _, new in new }
        return context
    }

    /// A bot page's context: the shared parts (its navigation is the home page's), then the page's own.
    func botPage(_ path: String, title: String, extra: ContextBuilder) -> TemplateScope {
        var context = extra
        let root = SitePaths.root(of: path)
        context.set("site", siteScopes[root] ?? TemplateSet.box(site(root: root, withCheck: false)))
        var page = ContextBuilder(capacity: 1)
        page.set("title", title)
        context.set("page", page)
        context.set("nav", homeNavigation)
        return context.scope
    }

    /// The row of the `i`th current bot (display order).
    func row(_ i: Int, root: String) -> TemplateScope {
        // The bot read where it lies: a copy retains its dozen references (for every row rendered).
        model.current.withEntry(i) { row(i, $0, root: root) }
    }

    private func row(_ i: Int, _ entry: UnsafePointer<CatalogEntry>, root: String) -> TemplateScope {
        let tags = model.facts[i].tags
        var row = ContextBuilder(capacity: 14)
        row.set("name", DisplayText.clean(entry.pointee.bot.name, limit: 300))
        row.set("url", root + model.currentPaths[i])
        row.set("source", entry.pointee.bot.source)
        row.set("tags", tags.map { tag in
            var item = ContextBuilder(capacity: 2)
            item.set("name", tag)
            item.set("url", root + (model.paths.tags[tag] ?? ""))
            return item
        })
        row.set("tagList", tags.joined(separator: ","))
        row.set("stale", entry.pointee.stale)
        row.set("statusLabel", entry.pointee.stale ? "stale" : "current")
        row.set("lastChanged", Timestamp.day(entry.pointee.lastChanged))
        row.set("lastChangedISO", entry.pointee.lastChanged)
        row.set("summary", DisplayText.summary(entry.pointee.bot.summaryText))
        let organization = entry.pointee.bot.organization
        row.set("organization", model.organizationName(organization).map { DisplayText.clean($0, limit: 200) } ?? "")
        row.set("organizationURL", organization.flatMap { model.paths.organizations[$0] }.map { root + $0 } ?? "")
        if let m = model.facts[i].model {
            row.set("model", m)
            row.set("modelURL", model.paths.models[m].map { root + $0 } ?? "")
        }
        return row.scope
    }

    // MARK: Index

    /// The index. `botsHtml` is every bot's row, pre-rendered from `bot-row.mustache` in display
    /// order (or the marker they replace when the page is written).
    func index(botsHtml: String) -> [String: Any] {
        func options(_ values: some Sequence<String>) -> [[String: Any]] {
            // Ties in case ("UPPER", "upper") are broken by the text itself: a `Set`'s order changes per process.
            Set(values).filter { !$0.isEmpty }.sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }.map { ["value": $0] }
        }
        let sources = input.snapshot.sources.map { s -> [String: Any] in
            ["name": s.name, "platform": s.platform.rawValue, "status": s.state.rawValue, "complete": s.state == .complete,
             "problems": s.problems.map { ["text": DisplayText.clean($0, limit: 500)] }]
        }
        let stale = model.current.filter(\.stale).count
        return page("index.html", title: "All bots", nav: "home", extra: [
            "site": site(root: "", withCheck: false).merging(["botCount": model.current.count]) { _, new in new },
            // One value for the template instead of a section over every row.
            "botsHtml": botsHtml,
            "filters": [
                "sources": options(model.current.map(\.bot.source)),
                "organizations": options(model.organizations.keys.map { DisplayText.clean(model.organizationName($0) ?? $0, limit: 200) }),
                "models": options(model.models.keys),
                "tags": options(model.tags.keys),
            ],
            "sources": sources,
            "hasProblems": input.snapshot.sources.contains { !$0.problems.isEmpty },
            "staleCount": stale,
            "hasStale": stale > 0,
        ])
    }

    // MARK: Groups

    enum GroupKind: String, CaseIterable, Sendable {
        case organization, tag, model

        var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
        var plural: String { title + "s" }
        var folder: String { rawValue + "s" }
        var nav: String { folder }
    }

    func members(_ kind: GroupKind) -> [String: [Int]] {
        switch kind {
        case .organization: return model.organizations
        case .tag: return model.tags
        case .model: return model.models
        }
    }

    func groupPath(_ kind: GroupKind, _ name: String) -> String? {
        switch kind {
        case .organization: return model.paths.organizations[name]
        case .tag: return model.paths.tags[name]
        case .model: return model.paths.models[name]
        }
    }

    func groupLabel(_ kind: GroupKind, _ name: String) -> String {
        kind == .organization ? DisplayText.clean(model.organizationName(name) ?? name, limit: 200) : name
    }

    func groups(_ kind: GroupKind) -> [String: Any] {
        let path = "\(kind.folder)/index.html"
        let root = SitePaths.root(of: path)
        let list = members(kind).map { name, bots -> (String, [String: Any]) in
            let label = groupLabel(kind, name)
            return (label, ["name": label, "url": root + (groupPath(kind, name) ?? ""), "count": bots.count])
        }.sorted { $0.0.lowercased() != $1.0.lowercased() ? $0.0.lowercased() < $1.0.lowercased() : $0.0 < $1.0 }.map(\.1)
        return page(path, title: kind.plural, nav: kind.nav, extra: ["kind": kind.plural, "groups": list, "hasGroups": !list.isEmpty])
    }

    /// One group's page. `botsHtml` is its members' pre-rendered rows (or the marker they replace).
    func group(_ kind: GroupKind, _ name: String, botsHtml: String) -> [String: Any] {
        let path = groupPath(kind, name) ?? "\(kind.folder)/x.html"
        let root = SitePaths.root(of: path)
        let label = groupLabel(kind, name)
        return page(path, title: "\(kind.title): \(label)", nav: kind.nav, extra: [
            "group": ["kind": kind.title, "name": label, "count": members(kind)[name]?.count ?? 0,
                      "indexURL": root + "\(kind.folder)/index.html", "indexTitle": kind.plural],
            "botsHtml": botsHtml,
        ])
    }

    // MARK: Bot pages

    static let knownUnltd: Set<String> = ["id", "_id", "name", "slug", "description", "tags", "modelKey", "creditCost", "applyToApi", "inputs", "organizationId"]
    static let knownGPTBots: Set<String> = ["bot_id", "name", "logo", "bot_type", "welcome_message", "introduction", "tags", "identity_prompt",
                                            "ai_model", "ai_model_version", "creativity_level", "doc_correlation", "irrelevant_questions",
                                            "question_limit", "long_term_memory"]

    /// A bot's page: `current` is its index in `model.current`, nil for a removed bot.
    func bot(_ key: BotKey, current: Int?) -> TemplateScope? {
        let entry: CatalogEntry
        var removedAt: String?
        if let current {
            entry = model.current[current]
        } else if let tomb = model.tombstones[key] {
            let firstAdded = model.events(key, current: nil).last { $0.kind == .added }?.at ?? tomb.removedAt
            entry = CatalogEntry(bot: tomb.bot, firstSeen: firstAdded, lastSeen: tomb.removedAt, lastChanged: tomb.removedAt)
            removedAt = tomb.removedAt
        } else {
            return nil
        }
        // A current bot's path and facts are the model's already (no key to hash, no tags to parse).
        guard let path = current.map({ model.currentPaths[$0] }) ?? model.paths.bots[key] else { return nil }
        let root = SitePaths.root(of: path)
        let b = entry.bot
        let shown = current.map { model.facts[$0] } ?? SiteModel.BotFacts(b)
        let name = DisplayText.clean(b.name, limit: 300)
        var bot = ContextBuilder(capacity: 32)
        bot.set("name", name)
        bot.set("id", DisplayText.clean(b.id, limit: 200))
        bot.set("slug", DisplayText.clean(b.slug, limit: 200))
        bot.set("source", b.source)
        bot.set("platform", b.platform.rawValue)
        // The platform pill only says something when the source is named otherwise.
        bot.set("platformPill", b.source == b.platform.rawValue ? "" : b.platform.rawValue)
        // A removed bot's tag may have no page any more: no link then, rather than one to the site folder.
        bot.set("tags", shown.tags.map { tag in
            var item = ContextBuilder(capacity: 2)
            item.set("name", tag)
            item.set("url", model.paths.tags[tag].map { root + $0 } ?? "")
            return item
        })
        bot.set("stale", entry.stale && removedAt == nil)
        bot.set("removed", removedAt != nil)
        bot.set("firstSeen", readable(entry.firstSeen))
        bot.set("firstSeenISO", entry.firstSeen)
        bot.set("lastChanged", readable(entry.lastChanged))
        bot.set("lastChangedISO", entry.lastChanged)
        if let removedAt { bot.set("removedAt", readable(removedAt)) }
        if entry.stale || removedAt != nil {
            // Only shown when it differs from the latest check: otherwise every page would change every run.
            bot.set("lastSeen", readable(entry.lastSeen))
            bot.set("lastSeenISO", entry.lastSeen)
        }
        if entry.stale, removedAt == nil {
            let status = model.sources[b.source]
            let why = status?.problems.first.map { " (\(DisplayText.clean($0, limit: 300)))" } ?? ""
            bot.set("staleMessage", "The \(b.source) source could not be fully fetched on \(Timestamp.readable(input.snapshot.takenAt))\(why). This page shows the bot as last seen on \(Timestamp.readable(entry.lastSeen)).")
        }
        if let org = b.organization {
            var organization = ContextBuilder(capacity: 3)
            organization.set("name", DisplayText.clean(model.organizationName(org) ?? org, limit: 200))
            organization.set("id", DisplayText.clean(org, limit: 200))
            organization.set("url", model.paths.organizations[org].map { root + $0 } ?? "")
            bot.set("organization", organization)
        }
        if let m = shown.model {
            var model = ContextBuilder(capacity: 2)
            model.set("name", m)
            model.set("url", self.model.paths.models[m].map { root + $0 } ?? "")
            bot.set("model", model)
        }
        if let logo = b.fields["logo"]?.stringValue, CommonMark.isSafeURL(logo) { bot.set("logo", logo) }
        if let cost = b.cost { bot.set("cost", DisplayText.clean(cost, limit: 50)) }

        var sections: [ContextBuilder] = []
        var usedAnchors = Set<String>()
        func section(_ title: String, _ field: String, hardBreaks: Bool = false) {
            guard let text = b.fields[field]?.stringValue, text.hasVisibleText else { return }
            let html = CommonMark.html(DisplayText.clean(text), options: hardBreaks ? .hardBreaks : .default)
            var anchor = SitePaths.segment(title) ?? "section"
            // The page's own ids (`content`, `bot-…`) are kept clear with a prefix: a suffix can never remove `bot-`.
            if anchor == "content" || anchor.hasPrefix("bot-") { anchor = "section-" + anchor }
            while usedAnchors.contains(anchor) { anchor += "-\(sections.count + 1)" }
            usedAnchors.insert(anchor)
            var item = ContextBuilder(capacity: 3)
            item.set("title", title)
            item.set("anchor", anchor)
            item.set("bodyHtml", html)
            sections.append(item)
        }
        var facts: [ContextBuilder] = []
        func fact(_ label: String, _ field: String, yesNo: Bool = false) {
            guard let value = b.fields[field], value != .null else { return }
            var item = ContextBuilder(capacity: 2)
            item.set("label", label)
            if yesNo, case .bool(let flag) = value {
                item.set("value", flag ? "Yes" : "No")
            } else {
                item.set("value", DisplayText.clean(value.displayText, limit: 500))
            }
            facts.append(item)
        }
        let known: Set<String>
        switch b.platform {
        case .unltd:
            section("Description", "description")
            // Model and cost have their own places on the page.
            fact("Available through the API", "applyToApi", yesNo: true)
            known = Self.knownUnltd
        case .gptbots:
            section("Introduction", "introduction")
            section("Welcome message", "welcome_message", hardBreaks: true)
            section("Identity prompt", "identity_prompt", hardBreaks: true)
            fact("Bot type", "bot_type")
            fact("AI model", "ai_model")
            fact("AI model version", "ai_model_version")
            fact("Creativity level", "creativity_level")
            fact("Document correlation", "doc_correlation")
            fact("Answers questions outside its documents", "irrelevant_questions", yesNo: true)
            fact("Question limit (tokens)", "question_limit")
            fact("Long-term memory", "long_term_memory", yesNo: true)
            known = Self.knownGPTBots
        }
        let others = b.fields.keys.filter { !known.contains($0) }.sorted()
        // Any other prompt-like text field is worth reading as Markdown too.
        for field in others where field.lowercased().contains("prompt") {
            section(DisplayText.clean(field, limit: 200), field, hardBreaks: true)
        }
        bot.set("sections", sections)
        bot.set("facts", facts)

        if case .array(let items)? = b.fields["inputs"] {
            let inputs = items.compactMap { item -> ContextBuilder? in
                guard case .object(let o) = item else { return nil }
                var input = ContextBuilder(capacity: 4)
                input.set("name", DisplayText.clean(o["name"]?.stringValue ?? o["key"]?.stringValue ?? o["label"]?.stringValue ?? "", limit: 200))
                input.set("type", DisplayText.clean(o["type"]?.stringValue ?? "", limit: 100))
                input.set("required", o["required"] == .bool(true))
                input.set("description", DisplayText.clean(o["description"]?.stringValue ?? "", limit: 1000))
                return input
            }
            bot.set("inputs", inputs)
            bot.set("hasInputs", !inputs.isEmpty)
        }
        var details: [ContextBuilder] = []
        for field in others where !field.lowercased().contains("prompt") {
            flatten(b.fields[field] ?? .null, path: field, into: &details)
        }
        bot.set("details", details)
        bot.set("hasDetails", !details.isEmpty)

        let history = model.events(key, current: current).map { event -> ContextBuilder in
            var item = ContextBuilder(capacity: 6)
            item.set("at", readable(event.at))
            item.set("atISO", event.at)
            item.set("kind", event.kind.rawValue)
            item.set("label", event.kind.rawValue.prefix(1).uppercased() + event.kind.rawValue.dropFirst())
            item.set("changes", boxing: event.changes.map(change))
            item.set("hasChanges", !event.changes.isEmpty)
            return item
        }
        bot.set("history", history)
        bot.set("hasHistory", !history.isEmpty)
        var extra = ContextBuilder(capacity: 4)
        extra.set("bot", bot)
        return botPage(path, title: name, extra: extra)
    }

    func flatten(_ value: JSONValue, path: String, into out: inout [ContextBuilder]) {
        switch value {
        case .object(let o) where !o.isEmpty:
            for key in o.keys.sorted() { flatten(o[key] ?? .null, path: "\(path).\(key)", into: &out) }
        default:
            var item = ContextBuilder(capacity: 2)
            item.set("path", DisplayText.clean(path, limit: 300))
            item.set("value", DisplayText.clean(value.displayText, limit: 5000))
            out.append(item)
        }
    }

    /// A field change for templates: before/after as text, long texts as a line diff.
    func change(_ f: FieldChange) -> [String: Any] {
        var c: [String: Any] = [
            "path": DisplayText.clean(f.path, limit: 300),
            "before": f.before.map { DisplayText.clean($0.displayText, limit: 2000) } ?? "—",
            "after": f.after.map { DisplayText.clean($0.displayText, limit: 2000) } ?? "—",
            "hasLines": false,
        ]
        if f.isLongText, case .string(let a)? = f.before, case .string(let b)? = f.after {
            let lines = LineDiff.unified(LineDiff.lines(from: DisplayText.clean(a), to: DisplayText.clean(b)))
            c["hasLines"] = true
            c["lines"] = lines.map { line -> [String: Any] in
                let sign = String(line.prefix(1))
                let kind = sign == "+" ? "added" : (sign == "-" ? "removed" : "same")
                return ["kind": kind, "sign": sign == "…" ? "…" : sign, "text": sign == "…" ? "" : String(line.dropFirst(2))]
            }
        }
        return c
    }

    // MARK: Changelog and feed

    /// Items of one kind a run shows on the changelog page; the rest are on the run's own page.
    static let changelogItemLimit = 100

    static func runAnchor(_ at: String) -> String { "run-" + at.replacingOccurrences(of: ":", with: "-") }
    /// The feed holds the newest runs only.
    static let feedEntryLimit = 50

    static func runPath(_ at: String) -> String { "changelog/\(runAnchor(at)).html" }

    /// Whether a run is too long for the changelog page and gets a page of its own.
    static func isLong(_ changes: ChangeSet) -> Bool {
        max(changes.added.count, changes.removed.count, changes.changed.count) > changelogItemLimit
    }

    func run(_ entry: HistoryEntry, root: String, limit: Int?) -> [String: Any] {
        let c = entry.changes
        func ref(_ r: BotRef) -> [String: Any] {
            ["name": DisplayText.clean(r.name, limit: 300), "url": root + (model.paths.bots[r.key] ?? ""), "source": r.source,
             "organization": model.organizationName(r.organization).map { DisplayText.clean($0, limit: 200) } ?? ""]
        }
        func cut<T>(_ items: [T]) -> ArraySlice<T> { limit.map { items.prefix($0) } ?? items[...] }
        let changed = cut(c.changed).map { ch -> [String: Any] in
            var r = ref(ch.bot)
            r["previousName"] = ch.previousName.map { DisplayText.clean($0, limit: 300) } ?? ""
            r["renamed"] = ch.isRenamed
            r["moved"] = ch.isMoved
            r["changes"] = ch.fields.map(change)
            return r
        }
        let hidden = (c.added.count - cut(c.added).count) + (c.removed.count - cut(c.removed).count) + (c.changed.count - changed.count)
        return ["at": Timestamp.readable(entry.at), "atISO": entry.at, "anchor": Self.runAnchor(entry.at),
                "summary": c.summary,
                "added": cut(c.added).map(ref), "removed": cut(c.removed).map { ref(BotRef($0)) }, "changed": Array(changed),
                "hasAdded": !c.added.isEmpty, "hasRemoved": !c.removed.isEmpty, "hasChanged": !c.changed.isEmpty,
                "hasMore": hidden > 0, "moreCount": hidden, "fullURL": root + Self.runPath(entry.at)]
    }

    /// The changelog's runs, newest first, boxed once for the page and its cache's copy
    /// (each run's diffs are worked out once). With `memos` (one per run, in history order),
    /// a run's context is made only when its fragment has to be rendered.
    func changelogRuns(memos: [FragmentMemo]? = nil) -> TemplateValue {
        .list(input.history.indices.reversed().map { index in
            if let memos { return .scope(TemplateScope(memo: memos[index])) }
            return .scope(changelogRun(index))
        })
    }

    /// One run as the changelog lists it.
    func changelogRun(_ index: Int) -> TemplateScope {
        TemplateSet.box(run(input.history[index], root: "", limit: Self.changelogItemLimit))
    }

    /// `checked` stands for the time of the check when given (the changelog's cache).
    func changelog(runs: TemplateValue, checked: (readable: String, iso: String)? = nil) -> [String: Any] {
        page("changelog.html", title: "Changelog", nav: "changelog", withCheck: true, checked: checked,
             extra: ["runs": runs, "hasRuns": !input.history.isEmpty])
    }

    /// A long run's own page: every change of it, with nothing that moves between runs.
    func runPage(_ entry: HistoryEntry) -> [String: Any] {
        let path = Self.runPath(entry.at)
        return page(path, title: "Changes of \(Timestamp.readable(entry.at))", nav: "changelog",
                    extra: ["runs": [run(entry, root: SitePaths.root(of: path), limit: nil)], "hasRuns": true, "runPage": true])
    }

    func notFound() -> [String: Any] {
        var context = page("404.html", title: "Page not found", nav: "none")
        if let base = input.baseURL, var site = context["site"] as? [String: Any] {
            site["root"] = base
            site["feedURL"] = base + "feed.xml"
            context["site"] = site
        }
        return context
    }

    /// Atom: one entry per run with changes (newest 50), each carrying its diff as HTML.
    func feed() -> [String: Any] {
        let base = input.baseURL ?? ""
        let recent = input.history.reversed().prefix(Self.feedEntryLimit)
        let entries = recent.map { entry -> [String: Any] in
            let anchor = Self.runAnchor(entry.at)
            return ["id": base.isEmpty ? "urn:botcatalog:\(SitePaths.shortHash(input.title)):\(anchor)" : "\(base)changelog.html#\(anchor)",
                    "title": "\(entry.changes.summary.prefix(1).uppercased())\(entry.changes.summary.dropFirst()) — \(Timestamp.readable(entry.at))",
                    "updated": entry.at, "url": "\(base)changelog.html#\(anchor)",
                    // The feed template escapes this HTML (it is not inserted raw), so it needs the
                    // markup separation `TemplateSet.box` skips for `…Html` values.
                    "contentHtml": TemplateSet.separatingMarkup(feedHTML(entry, base: base))]
        }
        return ["feed": ["id": base.isEmpty ? "urn:botcatalog:\(SitePaths.shortHash(input.title))" : "\(base)feed.xml",
                         "title": input.title, "updated": input.history.last?.at ?? input.snapshot.takenAt,
                         "selfURL": base.isEmpty ? "" : "\(base)feed.xml", "siteURL": base.isEmpty ? "" : base],
                "entries": Array(entries)]
    }

    /// An entry's content: like the changelog, at most `changelogItemLimit` bots of each kind,
    /// then a link to the run's own page listing all of them.
    func feedHTML(_ entry: HistoryEntry, base: String) -> String {
        let c = entry.changes
        func link(_ r: BotRef) -> String {
            let name = HTML.escape(DisplayText.clean(r.name, limit: 300))
            guard let path = model.paths.bots[r.key] else { return name }
            return "<a href=\"\(HTML.escape(base + path))\">\(name)</a> <small>(\(HTML.escape(r.source)))</small>"
        }
        let limit = Self.changelogItemLimit
        func more(_ count: Int) -> String {
            guard count > limit else { return "" }
            return "<p><a href=\"\(HTML.escape(base + Self.runPath(entry.at)))\">and \(count - limit) more</a></p>"
        }
        var html = ""
        if !c.added.isEmpty { html += "<h3>Added</h3><ul>" + c.added.prefix(limit).map { "<li>\(link($0))</li>" }.joined() + "</ul>" + more(c.added.count) }
        if !c.removed.isEmpty { html += "<h3>Removed</h3><ul>" + c.removed.prefix(limit).map { "<li>\(link(BotRef($0)))</li>" }.joined() + "</ul>" + more(c.removed.count) }
        if !c.changed.isEmpty {
            html += "<h3>Changed</h3><ul>"
            for ch in c.changed.prefix(limit) {
                html += "<li>\(link(ch.bot))<ul>"
                for f in ch.fields {
                    let before = f.before.map { DisplayText.clean($0.displayText, limit: 300) } ?? "—"
                    let after = f.after.map { DisplayText.clean($0.displayText, limit: 300) } ?? "—"
                    html += "<li><code>\(HTML.escape(DisplayText.clean(f.path, limit: 200)))</code>: \(HTML.escape(before)) → \(HTML.escape(after))</li>"
                }
                html += "</ul></li>"
            }
            html += "</ul>" + more(c.changed.count)
        }
        return html
    }
}
