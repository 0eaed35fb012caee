import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Mustache
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

/// The published site as a reader, a crawler and a browser see it: every page is well-formed
/// XHTML (the templates are polyglot), every link lands, hostile API text stays text, runs
/// publish atomically and incrementally, and the filter script really runs in Chromium.
@Suite("The published site")
struct SiteTests {
    static let baseURL = "https://docs.example.com/bots/"

    // MARK: Structure and links

    @Test("every page is well-formed XML, ids are unique, internal links and #fragments resolve, links out are http(s)",
          arguments: [nil, SiteTests.baseURL] as [String?])
    func everyLinkResolves(baseURL: String?) async throws {
        let built = try await DemoSite.built(baseURL: baseURL)
        let walk = SiteWalk(site: built.site, base: baseURL)
        #expect(walk.pages.count >= 50, "the demo site has an index, 21 bot pages and the group pages")
        #expect(walk.problems.isEmpty, "\(walk.problems.joined(separator: "\n"))")
        #expect(walk.linkProblems().isEmpty, "\(walk.linkProblems().joined(separator: "\n"))")
    }

    @Test("feed.xml is Atom with one entry per changelog run, and its links land", arguments: [nil, SiteTests.baseURL] as [String?])
    func feed(baseURL: String?) async throws {
        let built = try await DemoSite.built(baseURL: baseURL)
        let walk = SiteWalk(site: built.site, base: baseURL)
        let feed = try Self.atom(at: "\(built.site)/feed.xml")
        let entries = feed.elements.filter { $0.name == "entry" && $0.namespace == Atom.namespace }
        let runs = try #require(walk.pages["changelog.html"]).elements.filter { $0.name == "article" && $0.classes.contains("run") }
        let history = try FileManager.default.contentsOfDirectory(atPath: "\(built.state)/history").filter { $0.hasSuffix(".json") }
        #expect(entries.count == 2 && runs.count == 2 && history.count == 2, "demo day 1 and day 2 each found changes")

        let ids = feed.elements.filter { $0.name == "id" && $0.depth == 3 }.map(\.text)
        #expect(Set(ids).count == entries.count, "entry ids are unique: \(ids)")
        let updated = feed.elements.filter { $0.name == "updated" }.map(\.text)
        #expect(updated.first == DemoHarness.days[1], "the feed is as new as its newest entry")
        for link in feed.elements where link.name == "link" {
            let href = link.attributes["href"] ?? ""
            if let base = baseURL { #expect(href.hasPrefix(base), "absolute links with baseURL: \(href)") }
            #expect(walk.check(href, from: "feed.xml") == nil, "\(walk.check(href, from: "feed.xml") ?? "")")
        }
        // Each entry's content is escaped HTML: well-formed once unescaped, and its links land too.
        for content in feed.elements where content.name == "content" {
            #expect(content.attributes["type"] == "html")
            let body = try XMLScan.parse(Data("<div>\(content.text)</div>".utf8))
            #expect(body.elements.contains { $0.name == "a" })
            for problem in body.urls.compactMap({ walk.check($0.value, from: "feed.xml") }) { Issue.record("feed entry: \(problem)") }
        }
    }

    @Test("with a baseURL, sitemap.xml lists exactly the site's pages, as absolute URLs that exist")
    func sitemap() async throws {
        let built = try await DemoSite.built(baseURL: Self.baseURL)
        let map = try XMLScan.parse(try #require(FileManager.default.contents(atPath: "\(built.site)/sitemap.xml")), namespaces: true)
        #expect(map.elements.first?.name == "urlset" && map.elements.first?.namespace == "http://www.sitemaps.org/schemas/sitemap/0.9")
        let locs = map.elements.filter { $0.name == "loc" }.map(\.text)
        #expect(locs.allSatisfy { $0.hasPrefix(Self.baseURL) }, "\(locs)")
        let listed = locs.map { $0.dropFirst(Self.baseURL.count) }.map { $0.isEmpty ? "index.html" : String($0) }
        #expect(listed.count == Set(listed).count, "no page listed twice")

        let catalog = try TestSupport.json("\(built.site)/catalog.json")
        let botPages = (catalog["bots"]?.arrayValue ?? []).compactMap { $0["url"]?.stringValue }
        let groupPages = TestSupport.files(under: built.site).keys.filter {
            ["organizations/", "tags/", "models/"].contains(where: $0.hasPrefix) && $0.hasSuffix(".html")
        }
        #expect(Set(listed) == Set(["index.html", "changelog.html"] + botPages + groupPages),
                "the sitemap lists the index, the changelog, every current bot and every group page; tombstones are left out")
        for page in listed { #expect(FileManager.default.fileExists(atPath: "\(built.site)/\(page)"), "\(page)") }
    }

    @Test("each bot of catalog.json is written as JSONWriter writes the same object unindented: keys sorted, odd text escaped, no line break inside")
    func catalogObjectFormat() throws {
        let odd = "quote \" backslash \\ tab \t newline \n nul \u{0} <script> é 🤖"
        let bots = [
            Bot(source: "unltd", platform: .unltd, id: "a", name: odd, slug: "a", organization: "org-1", organizationName: "Org \"One\"",
                scope: "org:org-1", fields: ["name": .string(odd), "tags": .string("b, a"), "modelKey": .string("m"), "nested": .object(["z": .int(1), "a": .array([.null, .bool(true)])])]),
            Bot(source: "gpt", platform: .gptbots, id: "b", name: "B", slug: "b", scope: "key:K", fields: [:]),
        ]
        let entries = bots.enumerated().map { CatalogEntry(bot: $1, stale: $0 == 1, firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-02T00:00:00Z", lastChanged: "2026-01-02T00:00:00Z") }
        let model = SiteModel(SiteInput(title: "T", baseURL: nil, snapshot: Snapshot(takenAt: "2026-01-02T00:00:00Z", sources: [], entries: entries), history: []))
        for entry in entries {
            let b = entry.bot
            var object: [String: JSONValue] = [
                "id": .string(b.id), "source": .string(b.source), "platform": .string(b.platform.rawValue), "name": .string(b.name), "slug": .string(b.slug),
                "organization": b.organization.map(JSONValue.string) ?? .null, "model": b.model.map(JSONValue.string) ?? .null,
                "tags": .array(b.tags.map(JSONValue.string)), "stale": .bool(entry.stale), "firstSeen": .string(entry.firstSeen),
                "lastChanged": .string(entry.lastChanged), "url": .string(try #require(model.paths.bots[entry.key])), "fields": .object(b.fields),
            ]
            if let name = b.organizationName { object["organizationName"] = .string(name) }
            var expected = ""
            JSONWriter.write(.object(object), into: &expected, pretty: false, indent: 0)
            let written = String(decoding: MachineOutput.catalogObject(entry, path: try #require(model.paths.bots[entry.key])), as: UTF8.self)
            #expect(written == expected)
            #expect(!written.contains("\n"), "one line per bot")
        }
    }

    @Test("the input digest moves with anything a page shows (a nested field, a source's state, the history, the templates) and not with the check time or a current bot's lastSeen")
    func inputDigest() {
        let bot = Bot(source: "unltd", platform: .unltd, id: "a", name: "A", slug: "a", scope: "public",
                      fields: ["name": .string("A"), "inputs": .array([.object(["name": .string("q"), "required": .bool(true)])])])
        func input(_ change: (inout SiteInput) -> Void = { _ in }) -> SiteInput {
            let entry = CatalogEntry(bot: bot, firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-02T00:00:00Z", lastChanged: "2026-01-01T00:00:00Z")
            let snapshot = Snapshot(takenAt: "2026-01-02T00:00:00Z", sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)], entries: [entry])
            var input = SiteInput(title: "T", baseURL: nil, snapshot: snapshot,
                                  history: [HistoryEntry(at: "2026-01-01T00:00:00Z", changes: ChangeSet(added: [BotRef(bot)]))])
            change(&input)
            return input
        }
        let base = InputDigest(input(), templateHash: "t").value
        #expect(InputDigest(input { $0.snapshot.takenAt = "2026-01-03T00:00:00Z"; $0.snapshot.entries[0].lastSeen = "2026-01-03T00:00:00Z" }, templateHash: "t").value == base)
        let moved: [SiteInput] = [
            input { $0.snapshot.entries[0].bot.fields["inputs"] = .array([.object(["name": .string("q"), "required": .bool(false)])]) },
            input { $0.snapshot.entries[0].bot.fields["extra"] = .null },
            input { $0.snapshot.sources[0].problems = ["org_1 failed"] },
            input { $0.snapshot.entries[0].stale = true },
            input { $0.history[0].changes.changed = [BotChange(bot: BotRef(bot), fields: [FieldChange(path: "name", before: .string("B"), after: .string("A"))])] },
            input { $0.baseURL = "https://x.example/" },
        ]
        for (n, other) in moved.enumerated() { #expect(InputDigest(other, templateHash: "t").value != base, "change \(n)") }
        #expect(InputDigest(input(), templateHash: "u").value != base)
    }

    @Test("a run's page print moves with what the page shows of its bots (a name in the run, a page's URL, an organization's name) and not with what only their own pages show")
    func runPagePrint() {
        func bot(_ id: String, slug: String? = nil, organizationName: String? = nil, description: String = "d") -> Bot {
            Bot(source: "unltd", platform: .unltd, id: id, name: id.uppercased(), slug: slug ?? id, organization: "o1",
                organizationName: organizationName, scope: "org:o1", fields: ["name": .string(id.uppercased()), "description": .string(description)])
        }
        let bots = (0..<3).map { bot("b\($0)") }
        func input(_ change: (inout SiteInput) -> Void = { _ in }) -> SiteInput {
            let entries = bots.map { CatalogEntry(bot: $0, firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-02T00:00:00Z", lastChanged: "2026-01-01T00:00:00Z") }
            var input = SiteInput(title: "T", baseURL: nil,
                                  snapshot: Snapshot(takenAt: "2026-01-02T00:00:00Z", sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)], entries: entries),
                                  history: [HistoryEntry(at: "2026-01-01T00:00:00Z", changes: ChangeSet(added: bots.map { BotRef($0) }))])
            change(&input)
            return input
        }
        func print(_ input: SiteInput) -> String {
            let digest = InputDigest(input, templateHash: "t")
            return PageFingerprints(model: SiteModel(input), templateHash: "t", bots: digest.bots, runs: digest.runs).run(0)
        }
        let base = print(input())
        #expect(print(input { $0.snapshot.entries[1].bot = bot("b1", description: "other") }) == base, "a description is on the bot's page only")
        let moved: [(String, SiteInput)] = [
            ("a listed bot's page moved", input { $0.snapshot.entries[1].bot = bot("b1", slug: "renamed") }),
            ("a new bot's page collides with a listed one's", input {
                $0.snapshot.entries.append(CatalogEntry(bot: bot("x", slug: "b2"), firstSeen: "2026-01-02T00:00:00Z", lastSeen: "2026-01-02T00:00:00Z", lastChanged: "2026-01-02T00:00:00Z"))
            }),
            ("an organization's name", input { $0.snapshot.entries[0].bot = bot("b0", organizationName: "Org One") }),
            ("a name in the run", input { $0.history[0].changes.added[2].name = "Other" }),
            ("a removed bot in the run", input { $0.history[0].changes.removed = [bot("gone")] }),
        ]
        for (what, other) in moved { #expect(print(other) != base, "\(what)") }
    }

    @Test("a bot's page print moves with each change in its history, whether the history was read from its files (changes stood for by their place in the file) or made in memory")
    func botPagePrintFollowsHistory() {
        let bot = Bot(source: "unltd", platform: .unltd, id: "a", name: "A", slug: "a", scope: "public", fields: ["name": .string("A")])
        func input(after: String, filed: Bool) -> SiteInput {
            let entry = CatalogEntry(bot: bot, firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-03T00:00:00Z", lastChanged: "2026-01-02T00:00:00Z")
            let history = [HistoryEntry(at: "2026-01-01T00:00:00Z", changes: ChangeSet(added: [BotRef(bot)])),
                           HistoryEntry(at: "2026-01-02T00:00:00Z", changes: ChangeSet(changed: [
                               BotChange(bot: BotRef(bot), fields: [FieldChange(path: "description", before: .string("old"), after: .string(after))])]))]
            return SiteInput(title: "T", baseURL: nil,
                             snapshot: Snapshot(takenAt: "2026-01-03T00:00:00Z", sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)], entries: [entry]),
                             history: filed ? history.map { HistoryFile($0).entry } : history)
        }
        func print(_ input: SiteInput) -> String {
            let digest = InputDigest(input, templateHash: "t")
            return PageFingerprints(model: SiteModel(input), templateHash: "t", bots: digest.bots, runs: digest.runs).bot(bot.key, current: 0)
        }
        for filed in [false, true] {
            #expect(print(input(after: "new", filed: filed)) == print(input(after: "new", filed: filed)), "filed: \(filed)")
            #expect(print(input(after: "new", filed: filed)) != print(input(after: "newer", filed: filed)), "filed: \(filed)")
        }
        #expect(SiteModel(input(after: "new", filed: true)).events(bot.key).first?.print != nil, "a filed change is printed by its place")
    }

    /// Rows for `keys`, made in memory as a build renders them; `vary` changes some.
    static func freshRows(_ keys: [BotKey], vary: (Int) -> String = { _ in "" }) -> (Rows, [[String]]) {
        let rows = Rows(cache: RowCache())
        var texts: [[String]] = []
        for n in keys.indices {
            let parts = [String(n, radix: 16) + vary(n), n == 7 ? "" : "<tr>é\n\(n) 12 34\n</tr>" + vary(n),
                         String(repeating: "x", count: n), "{\"n\": \(n)}\u{0}"]
            var spans: [ByteSpan] = []
            rows.keep([OwnedBytes(parts.map { Array($0.utf8) }, spans: &spans)])
            rows.rows.append(RowCache.Row(fingerprint: spans[0], atRoot: spans[1], oneDown: spans[2], catalogJSON: spans[3]))
            texts.append(parts)
        }
        return (rows, texts)
    }

    static func expectRows(_ cache: RowCache, _ keys: [BotKey], _ texts: [[String]], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(cache.count == keys.count, sourceLocation: sourceLocation)
        for (n, (key, parts)) in zip(keys, texts).enumerated() {
            let read = cache.row(key, fingerprint: parts[0])
            #expect([read?.fingerprint, read?.atRoot, read?.oneDown, read?.catalogJSON].map { $0?.string } == parts, "\(key)", sourceLocation: sourceLocation)
            #expect(cache.row(key, fingerprint: parts[0] + "0") == nil, sourceLocation: sourceLocation)
            // Found where the saved order puts it, and from a place that is not its own (a bot added or removed before it), or none.
            let place = cache.place(of: key, near: n)
            #expect(place != nil && [n - 1, n + 1, keys.count + 5, -1].allSatisfy { cache.place(of: key, near: $0) == place }, "\(key)", sourceLocation: sourceLocation)
            #expect(place.flatMap { cache.row(at: $0, fingerprint: parts[0])?.atRoot.string } == parts[1], sourceLocation: sourceLocation)
        }
        // A key the cache does not hold has no place, wherever it is looked for.
        #expect([0, 1, -1].allSatisfy { cache.place(of: BotKey(source: "unltd", id: "not-cached"), near: $0) == nil }, sourceLocation: sourceLocation)
    }

    @Test("bots whose pages would collide all get a suffix from their identity, whatever their order; the others keep the plain name")
    func collidingBotPages() {
        let bots = [(key: BotKey(source: "unltd", id: "a"), slug: "helper", name: "Helper"), (key: BotKey(source: "unltd", id: "b"), slug: "HELPER", name: "x"),
                    (key: BotKey(source: "unltd", id: "c"), slug: "", name: "Helper"), (key: BotKey(source: "unltd", id: "d"), slug: "other", name: "Other"),
                    (key: BotKey(source: "gpt bots", id: "a"), slug: "helper", name: "Helper")]
        let pages = SitePaths.botPages(bots)
        for bot in bots.prefix(3) {
            #expect(pages.byKey[bot.key] == "bots/unltd/helper-\(SitePaths.shortHash(bot.key.description)).html")
        }
        #expect(pages.byKey[bots[3].key] == "bots/unltd/other.html" && pages.byKey[bots[4].key] == "bots/gpt-bots/helper.html")
        #expect(pages.inOrder == bots.map { pages.byKey[$0.key]! })
        #expect(SitePaths.botPages(bots.reversed()).byKey == pages.byKey, "no page depends on which bot came first")
        #expect(pages.folders == ["bots", "bots/unltd", "bots/gpt-bots"])
    }

    @Test("the way back to the site root has one ../ per folder a page is in, empty segments not counted")
    func rootOfPath() {
        for path in ["index.html", "bots/unltd/x.html", "tags/a.html", "a//b.html", "/a/b.html", "a/b/", "x/y/z/w.html", "p/q/r/s/t.html", "/", "x"] {
            #expect(SitePaths.root(of: path) == String(repeating: "../", count: max(0, path.split(separator: "/").count - 1)), "\(path)")
        }
    }

    @Test("a bot's tags come from an array of names or of objects, or a comma-separated text: trimmed, empty ones and repeats dropped, the first kept in order")
    func botTags() {
        func tags(_ value: JSONValue) -> [String] {
            Bot(source: "unltd", platform: .unltd, id: "1", name: "n", slug: "s", scope: "all", fields: ["tags": value]).tags
        }
        #expect(tags(.array([.string(" faq "), .string("support"), .string(""), .string("  "), .string("faq"), .string("\u{3000}hr\n")])) == ["faq", "support", "hr"])
        #expect(tags(.array([.object(["name": .string("a")]), .object(["id": .string("b")]), .object(["x": .string("c")]), .int(3), .string("a")])) == ["a", "b", "3"])
        #expect(tags(.string(" a, b ,,a , c,")) == ["a", "b", "c"])
        #expect(tags(.null).isEmpty && tags(.int(1)).isEmpty)
        let many = (0..<40).map { JSONValue.string("t\($0 % 20)") }
        #expect(tags(.array(many)) == (0..<20).map { "t\($0)" })
    }

    @Test("bots are ordered by lowercased name as strings compare them, then by key, though ASCII names are compared as bytes (their first 24 first)")
    func botNameOrder() {
        let pieces = ["a", "B", "b", "e", "E", "z", " ", "-", "0", "9", "_", "~", "é", "É", "e\u{301}", "\u{301}", "ß", "İ", "Ω", "ω", "한", "👩", ""]
        var names = ["", "A", "a", "ab", "aB", "Ab", "e\u{301}x", "éx", "ex", "ez", "e", "E"]
        var generator = SystemRandomNumberGenerator()
        for n in 0..<1500 {
            // Two thirds ASCII only, a third mixed: the byte comparison and the fallback side by side.
            let alphabet = n % 3 == 0 ? pieces : Array(pieces.prefix(12))
            names.append((0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined())
        }
        // Names that share their first 24 bytes or more, end at or near the 24th, or hold zero bytes: ordered past the prefixes compared first.
        let long = "Research Helper Assistan"
        for n in 0..<600 {
            let tail = (0..<Int.random(in: 0...4, using: &generator)).map { _ in ["a", "B", "\u{0}", " ", "0", "é"].randomElement(using: &generator)! }.joined()
            names.append(String(long.prefix([24, 23, 16, 12, 9, 8][n % 6])) + tail)
        }
        let entries = names.enumerated().map { i, name in
            CatalogEntry(bot: Bot(source: i % 2 == 0 ? "unltd" : "gpt", platform: .unltd, id: "id-\(names.count - i)", name: name, slug: "s", scope: "all", fields: [:]),
                         firstSeen: "", lastSeen: "", lastChanged: "")
        }
        let lowered = names.map { $0.lowercased() }
        let expected = entries.indices.sorted { a, b in lowered[a] != lowered[b] ? lowered[a] < lowered[b] : entries[a].key < entries[b].key }
        #expect(NameOrder.order(entries) == expected)
        #expect(NameOrder.order([]) == [])
    }

    @Test("markup fused into a longer grapheme is separated exactly as a walk over every character would, though only the stretches around non-ASCII text are walked")
    func markupSeparation() {
        // The rule, walked over every character.
        func everyCharacter(_ text: String) -> String {
            var out = ""
            for character in text {
                let scalars = character.unicodeScalars
                if scalars.count > 1, let markup = scalars.first(where: { $0.isASCII && "\"'<>&".unicodeScalars.contains($0) }) {
                    out.unicodeScalars.append(markup)
                } else {
                    out.append(character)
                }
            }
            return out
        }
        let pieces = ["<", ">", "&", "\"", "'", "a", " ", "\r", "\n", "\r\n", "…", "é", "\u{301}", "\u{600}", "\u{200D}", "👩", "🇫", "🇷",
                      "\u{FE0F}", "\u{20E3}", "#", "한", "\u{1161}", "\u{11A8}", "<b>", "</li>"]
        var samples = ["plain <b>text</b>", "…</li>", "\"\u{301}", "\u{600}<", "<\u{301}\u{302}>", "a\r\n\u{301}<"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            samples.append((0..<Int.random(in: 0...24, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in samples {
            #expect(TemplateSet.separatingMarkup(text) == everyCharacter(text), "\(text.debugDescription)")
        }
    }

    @Test("plain text cut to its limit on the bytes comes out as cut by characters: the limit's first characters and an ellipsis, CR LF counted as one")
    func plainTextCut() {
        var samples = ["short", String(repeating: "abc ", count: 100), String(repeating: "line\r\n", count: 80), String(repeating: "x\ty\n", count: 90)]
        var generator = SystemRandomNumberGenerator()
        for n in 0..<300 {
            // Half without CR (cut on the bytes), half with (cut by characters).
            let bytes: [UInt8] = (n % 2 == 0 ? [0x09, 0x0A] : [0x09, 0x0A, 0x0D]) + Array(0x20...0x7E)
            samples.append(String(decoding: (0..<Int.random(in: 0...400, using: &generator)).map { _ in bytes.randomElement(using: &generator)! }, as: UTF8.self))
        }
        for text in samples {
            for limit in [1, 50, 300] {
                let expected = text.count > limit ? String(text.prefix(limit)) + "…" : text
                #expect(DisplayText.clean(text, limit: limit) == expected, "\(text.debugDescription) at \(limit)")
            }
        }
        // Plain up to the cut, then anything: combining marks, CR LF, hidden scalars, emoji, at and
        // around the cut, as removing the hidden scalars and cutting by characters gives.
        func reference(_ text: String, _ limit: Int) -> String {
            var kept = String.UnicodeScalarView()
            for scalar in text.unicodeScalars where !DisplayText.isHidden(scalar) { kept.append(scalar) }
            let cleaned = String(kept)
            return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
        }
        let tails = ["\u{301}", "\r", "\n", "\r\n", "\u{200E}", "\u{202E}", "\u{1}", "é", "👩", "a", " ", "\u{FEFF}", "\u{E000}"]
        for n in 0..<600 {
            let limit = [1, 8, 50][n % 3]
            let head = String(repeating: "x", count: max(0, limit - 2 + n % 5))
            let tail = (0..<Int.random(in: 0...6, using: &generator)).map { _ in tails.randomElement(using: &generator)! }.joined()
            let text = head + tail
            #expect(DisplayText.clean(text, limit: limit) == reference(text, limit), "\(text.debugDescription) at \(limit)")
        }
    }

    @Test("a row's summary worked out on the bytes is the one the scalars give, and text that is not ASCII before the cut takes the scalars")
    func asciiSummaries() {
        var samples = ["", "**Bold** start, `code`, [link](https://x) and # heading - item", "___", "a\u{7f}b\u{1}c\u{0b}d\u{0c}e",
                       String(repeating: "word ", count: 60), String(repeating: "x", count: 200), "> quote\r\n- [ ] task!\t#tag#"]
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "bc", "word", " ", "  ", "\n", "\r\n", "\t", "*", "**", "`", "_", "#", ">", "[", "]", "!", "-", ".", ",", "\u{1}", "\u{7f}", "\u{0b}"]
        for _ in 0..<1_500 {
            samples.append((0..<Int.random(in: 0...120, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in samples {
            for limit in [1, 5, 40, 160] {
                #expect(DisplayText.asciiSummary(text, limit: limit) == DisplayText.scalarSummary(text, limit: limit), "\(text.debugDescription) at \(limit)")
            }
        }
        // Not ASCII before the cut: the scalars decide (a no-break space and U+2028 part words); after it: the bytes do.
        for text in ["caf\u{e9} au\u{a0}lait\u{2028}next", "\u{202e}evil", String(repeating: "ascii ", count: 40) + "\u{e9}"] {
            #expect(DisplayText.summary(text) == DisplayText.scalarSummary(text, limit: 160))
        }
        #expect(DisplayText.asciiSummary("caf\u{e9}", limit: 160) == nil)
        #expect(DisplayText.summary("caf\u{e9} au\u{a0}lait") == "caf\u{e9} au lait")
    }

    @Test("an ASCII name's path segment, worked out on bytes, is the one the general rule gives")
    func asciiSegments() {
        var samples = ["", "Research Helper 08443", "--a--b--", "UPPER_lower.123", "../../etc/passwd", "a b\tc\nd", "\u{1}x\u{7f}y",
                       String(repeating: "ab-", count: 40), String(repeating: "x", count: 81), "CON", "  ", "a" + String(repeating: "!", count: 100) + "b"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            samples.append(String(decoding: (0..<Int.random(in: 0...120, using: &generator)).map { _ in UInt8.random(in: 0...127, using: &generator) }, as: UTF8.self))
        }
        for text in samples {
            #expect(SitePaths.asciiSegment(text) == SitePaths.foldedSegment(text.lowercased()), "\(text.debugDescription)")
            #expect(SitePaths.segment(text) == SitePaths.foldedSegment(text.lowercased()))
        }
    }

    @Test("a bot's candidate page made in one buffer is the one its segments give, and texts that are not ASCII take the general rule")
    func asciiCandidates() {
        func general(_ source: String, _ slug: String, _ name: String) -> String {
            "bots/\(SitePaths.segment(source) ?? "source")/\(SitePaths.segment(slug) ?? SitePaths.segment(name) ?? "bot").html"
        }
        let long = String(repeating: "ab-", count: 40), longest = String(repeating: "x", count: 79) + "-y" + String(repeating: "z", count: 9)
        var samples: [(String, String, String)] = [
            ("unltd", "research-helper", "Research Helper"), ("", "", ""), ("!!", "--", "..."), ("Src", "", "Name Only"),
            ("src", "", "!!"), (long, long, long), (longest, longest, "n"), ("../..", "../../etc/passwd", "x"),
            ("caf\u{e9}", "slug", "n"), ("s", "caf\u{e9}", "n"), ("s", "", "caf\u{e9}"), ("s", "ok", "caf\u{e9}"), ("s", "\u{4e2d}\u{6587}", "\u{4e2d}"),
        ]
        var generator = SystemRandomNumberGenerator()
        func random() -> String {
            String(decoding: (0..<Int.random(in: 0...100, using: &generator)).map { _ in UInt8.random(in: 0...127, using: &generator) }, as: UTF8.self)
        }
        for _ in 0..<300 { samples.append((random(), random(), random())) }
        for (source, slug, name) in samples {
            #expect(SitePaths.candidate(source: source, slug: slug, name: name) == general(source, slug, name), "\(source.debugDescription) \(slug.debugDescription) \(name.debugDescription)")
        }
        // Texts it uses that are not ASCII leave it to the general rule; a name it does not use does not.
        #expect(SitePaths.asciiCandidate(source: "s", slug: "caf\u{e9}", name: "n") == nil)
        #expect(SitePaths.asciiCandidate(source: "s", slug: "ok", name: "caf\u{e9}") == "bots/s/ok.html")
    }

    @Test("the folders holding pages are every folder above each page, however the pages come")
    func foldersHoldingPages() {
        let pages = ["index.html", "bots/a/x.html", "bots/a/y.html", "bots/b/z.html", "bots/a/w.html", "tags/t.html",
                     "assets/css/site.css", "bots/\u{e9}t\u{e9}/p.html", "deep/er/still/page.html", "deep/page.html"]
        var expected = Set<String>()
        for page in pages {
            var parts = page.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            while !parts.isEmpty { expected.insert(parts.joined(separator: "/")); parts = parts.dropLast() }
        }
        #expect(SitePaths.folders(holding: pages) == expected)
        #expect(SitePaths.folders(holding: pages.reversed()) == expected)
        #expect(SitePaths.folders(holding: ["top.html"]).isEmpty)
    }

    @Test("the input digest starts with the history's key, which moves when a run is added, so a build can tell early that it is no quick update")
    func digestStartsWithHistoryKey() throws {
        let day1 = Snapshot(takenAt: "2026-01-01T00:00:00Z", sources: [], entries: [])
        let first = HistoryEntry(at: "2026-01-01T00:00:00Z", changes: ChangeSet())
        let second = HistoryEntry(at: "2026-01-02T00:00:00Z", changes: ChangeSet())
        let one = InputDigest(SiteInput(title: "T", baseURL: nil, snapshot: day1, history: [first]), templateHash: "t")
        let two = InputDigest(SiteInput(title: "T", baseURL: nil, snapshot: day1, history: [first, second]), templateHash: "t")
        #expect(one.value.hasPrefix(InputDigest.historyKey([first])) && two.value.hasPrefix(InputDigest.historyKey([first, second])))
        #expect(InputDigest.historyKey([first]) != InputDigest.historyKey([first, second]))
        #expect(!two.value.hasPrefix(InputDigest.historyKey([first])), "an added run: the last build's key no longer starts the digest")
    }

    @Test("the site manifest gives back what was recorded, page paths with spaces included; the JSON form of earlier versions is still read, and a damaged file is no manifest")
    func manifestRoundTrip() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = "\(folder)/site-manifest.json"
        var manifest = SiteManifest(templateHash: "t1", digest: "d1", pages: ["index.html": "00ff", "bots/unltd/a.html": "0123456789abcdef",
                                                                           "assets/my style.css": "", "bad\nname.html": "ff"])
        manifest.folders = ["bots": "1.5", "bots/unltd": "2.25", "assets": "3.0"]
        try manifest.data.write(to: URL(fileURLWithPath: path))
        let read = SiteManifest.read(path)
        #expect(read.templateHash == "t1" && read.digest == "d1" && read.folders == manifest.folders)
        #expect(read.pages.dictionary == manifest.pages.dictionary.filter { !$0.key.contains("\n") }, "a path with a line break is left out: that page is rendered again")
        #expect(read.data == manifest.data, "the same manifest, the same bytes")
        try AtomicFile.write(to: path) { read.write(to: &$0) }
        #expect(FileManager.default.contents(atPath: path) == manifest.data, "written straight to the file, the same bytes")

        // A build lists its pages in its own order; they are read back the same, in that order.
        var built = SiteManifest(templateHash: "t2", digest: "d2")
        for (page, print) in [("tags/z.html", "01"), ("index.html", "02"), ("bots/unltd/a.html", "03")] { built.list(page, print: print) }
        try built.data.write(to: URL(fileURLWithPath: path))
        let again = SiteManifest.read(path)
        #expect(again.pages.dictionary == ["tags/z.html": "01", "index.html": "02", "bots/unltd/a.html": "03"] && again.pages.paths == built.listed.map(\.path))
        #expect(again.data == built.data)
        // Pages the last build listed with the same print are written out from its lines as they are: the same bytes.
        var kept = SiteManifest(templateHash: "t2", digest: "d2")
        kept.keepLines(of: again.pages)
        for (page, print) in [("tags/z.html", "01"), ("index.html", "02"), ("bots/unltd/a.html", "03")] {
            kept.list(page, print: print, kept: again.pages.line(page, print: print))
        }
        #expect(again.pages.line("index.html", print: "02") != nil && again.pages.line("index.html", print: "ff") == nil && again.pages.line("none.html", print: "02") == nil)
        #expect(kept.data == built.data)
        kept.list("bots/unltd/b.html", print: "04")
        kept.writeListedLines()
        #expect(kept.data == built.data + Data("p 04 bots/unltd/b.html\n".utf8), "kept lines and made ones together, on another thread")
        built.writeListedLines()
        try AtomicFile.write(to: path) { built.write(to: &$0) }
        #expect(FileManager.default.contents(atPath: path) == again.data, "its lines written on another thread, the same bytes")
        #expect(SiteManifest.readDigest(path) == "d2", "the digest is read from the first lines alone")

        let json = JSONValue.object(["templateHash": .string("t0"), "digest": .string("d0"), "pages": .object(["index.html": .string("aa"), "tags/x.html": .string("bb")]),
                                     "folders": .object(["tags": .string("9.1")])])
        try JSONWriter.data(json, pretty: false).write(to: URL(fileURLWithPath: path))
        let old = SiteManifest.read(path)
        #expect(old.templateHash == "t0" && old.digest == "d0" && old.pages.dictionary == ["index.html": "aa", "tags/x.html": "bb"] && old.folders == ["tags": "9.1"])
        #expect(SiteManifest.readDigest(path) == "", "no early digest from the JSON form: the build then digests before it decides")
        #expect(SiteManifest.readDigest("\(folder)/none") == "")

        let data = manifest.data
        for damaged in [data.prefix(data.count - 3), Data("botcatalog-site-manifest 9\n".utf8) + data.dropFirst(SiteManifest.header.utf8.count), data + Data("x\n".utf8)] {
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect(SiteManifest.read(path).pages.isEmpty)
        }
    }

    @Test("the last build's pages are found by path as a dictionary finds them: every page with its print, no other path, a page listed twice with its last print")
    func manifestPagesLookUp() throws {
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abz-_./ éß日本😀 x".unicodeScalars)
        var pages: [String: String] = [:]
        for i in 0..<5_000 {
            let length = Int.random(in: 0...60, using: &generator)
            let name = String(String.UnicodeScalarView((0..<length).map { _ in letters.randomElement(using: &generator)! }))
            pages[i % 3 == 0 ? "bots/unltd/\(name).html" : name] = String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 16)
        }
        pages[""] = "e0"
        let table = ManifestPages(pages)
        #expect(table.count == pages.count && table.dictionary == pages)
        for (path, print) in pages {
            #expect(table.contains(path) && table[path] == print && table.holds(path, print: print))
            #expect(!table.holds(path, print: print + "0") && !table.holds(path, print: String(print.dropLast())))
            for other in [path + "x", "x" + path, String(path.dropLast())] {
                #expect(table.contains(other) == (pages[other] != nil) && table[other] == pages[other] && table.holds(other, print: print) == (pages[other] == print))
            }
        }
        #expect(table.count(withPrefix: "bots/") == pages.keys.count { $0.hasPrefix("bots/") })
        #expect(!ManifestPages.empty.contains("index.html") && ManifestPages.empty[""] == nil)

        // A file that lists a page twice: the page keeps its first place, with its last print.
        let folder = try TestSupport.temporaryFolder()
        let path = "\(folder)/site-manifest.json"
        try Data((SiteManifest.header + "t t1\nd d1\np 01 index.html\np 02 tags/a b.html\np 03 index.html\n").utf8).write(to: URL(fileURLWithPath: path))
        let read = SiteManifest.read(path).pages
        #expect(read.paths == ["index.html", "tags/a b.html"] && read["index.html"] == "03" && read["tags/a b.html"] == "02")
    }

    @Test("each bot's timeline lists its events newest first; a removed bot keeps a tombstone from its newest removal, unless it was added again or is current")
    func timelinesAndTombstones() {
        func bot(_ id: String) -> Bot { Bot(source: "unltd", platform: .unltd, id: id, name: id.uppercased(), slug: id, scope: "public", fields: [:]) }
        let (a, b, c, d) = (bot("a"), bot("b"), bot("c"), bot("d"))
        let change = [FieldChange(path: "name", before: .string("x"), after: .string("y"))]
        let history = [
            HistoryEntry(at: "t1", changes: ChangeSet(added: [a, b, c, d].map(BotRef.init))),
            HistoryEntry(at: "t2", changes: ChangeSet(removed: [b, d], changed: [BotChange(bot: BotRef(a), fields: change)])),
            HistoryEntry(at: "t3", changes: ChangeSet(added: [BotRef(b)], removed: [c])),
            HistoryEntry(at: "t4", changes: ChangeSet(removed: [b], changed: [BotChange(bot: BotRef(a), fields: change)])),
        ]
        // d was removed at t2 and is current again without an "added" (its source came back).
        let snapshot = Snapshot(takenAt: "t5", sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)],
                                entries: [a, d].map { CatalogEntry(bot: $0, firstSeen: "t1", lastSeen: "t5", lastChanged: "t1") })
        let model = SiteModel(SiteInput(title: "T", baseURL: nil, snapshot: snapshot, history: history))
        func timeline(_ bot: Bot) -> [String] { model.events(bot.key).map { "\($0.kind.rawValue) \($0.at)" } }
        #expect(timeline(a) == ["changed t4", "changed t2", "added t1"])
        #expect(timeline(b) == ["removed t4", "added t3", "removed t2", "added t1"])
        #expect(timeline(c) == ["removed t3", "added t1"])
        #expect(timeline(d) == ["removed t2", "added t1"])
        #expect(model.tombstones.mapValues(\.removedAt) == [b.key: "t4", c.key: "t3"])
        #expect(model.events(a.key).first?.changes == change)

        // The same with the snapshot's entries set out of order: every bot keeps its own timeline.
        var unsorted = snapshot
        unsorted.entries.reverse()
        let same = SiteModel(SiteInput(title: "T", baseURL: nil, snapshot: unsorted, history: history))
        for bot in [a, b, c, d] { #expect(same.events(bot.key).map { "\($0.kind.rawValue) \($0.at)" } == timeline(bot), "\(bot.id)") }
        for i in same.current.indices {
            #expect(same.events(same.current[i].key, current: i).map(\.at) == model.events(same.current[i].key).map(\.at))
        }
        #expect(same.tombstones.mapValues(\.removedAt) == model.tombstones.mapValues(\.removedAt))
    }

    @Test("keys are found at their places in the snapshot whether a list comes in the snapshot's order, in another, with repeats or with keys it does not hold")
    func snapshotPlaces() {
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<400).map { BotKey(source: ["a", "b", "gpt"][$0 % 3], id: "id-\(Int.random(in: 0..<100_000, using: &generator))") }
        let entries = Snapshot(takenAt: "t", sources: [], entries: Array(Set(keys)).map {
            CatalogEntry(bot: Bot(source: $0.source, platform: .unltd, id: $0.id, name: "n", slug: "s", scope: "public", fields: [:]), firstSeen: "t", lastSeen: "t", lastChanged: "t")
        }).entries
        let place = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
        let missing = (0..<50).map { BotKey(source: ["a", "c", ""][$0 % 3], id: "id-\(100_000 + $0)") }
        let sortedSubset = entries.map(\.key).filter { _ in Bool.random(using: &generator) }
        for list in [entries.map(\.key), sortedSubset, (sortedSubset + missing).sorted(), sortedSubset.reversed(), (keys + missing).shuffled(using: &generator),
                     sortedSubset.flatMap { [$0, $0] }, [], missing] {
            #expect(SnapshotPlaces.find(list, in: entries) { ($0.pointee.source, $0.pointee.id) } == list.map { place[$0] })
        }
        // Entries set out of order (snapshots never hold them so) are found all the same.
        let shuffled = entries.shuffled(using: &generator)
        let shuffledPlace = Dictionary(uniqueKeysWithValues: shuffled.enumerated().map { ($1.key, $0) })
        for list in [entries.map(\.key), sortedSubset + missing, (keys + missing).shuffled(using: &generator)] {
            #expect(SnapshotPlaces.find(list, in: shuffled) { ($0.pointee.source, $0.pointee.id) } == list.map { shuffledPlace[$0] })
        }
    }

    @Test("the model made beside the digest (its facts made in snapshot order by the digest, its order and timelines in the digest's pool) is the model made on its own, and the digest is the same either way")
    func factsHandedOver() {
        // Names out of display order, tags as arrays, objects and a string, repeats and blanks, a model or none.
        let tagForms: [JSONValue] = [["b", " a ", "b"], .string("x, y,,x"), [["name": "n1"], ["id": "i2"], ""], .null]
        let entries = (0..<700).map { i in
            let bot = Bot(source: i % 3 == 0 ? "gpt" : "unltd", platform: .unltd, id: "id\(i)", name: "Bot \((i * 7919) % 700)", slug: "s\(i)",
                          organization: i % 4 == 0 ? nil : "org\(i % 6)", organizationName: i % 8 == 1 ? "Org \(i % 6)" : nil, scope: "public",
                          fields: ["tags": tagForms[i % 4], "modelKey": i % 5 == 0 ? .null : .string("m\(i % 3) ")])
            return CatalogEntry(bot: bot, firstSeen: "t1", lastSeen: "t2", lastChanged: "t1")
        }
        // A history: every bot added, then one changed and one removed that has a page still.
        let gone = Bot(source: "unltd", platform: .unltd, id: "gone", name: "Gone", slug: "gone", scope: "public", fields: [:])
        let snapshot = Snapshot(takenAt: "t2", sources: [], entries: entries)
        let history = [HistoryEntry(at: "t1", changes: ChangeSet(added: snapshot.entries.map { BotRef($0.bot) } + [BotRef(gone)])),
                       HistoryEntry(at: "t2", changes: ChangeSet(removed: [gone], changed: [BotChange(bot: BotRef(snapshot.entries[5].bot), fields: [FieldChange(path: "name", before: .string("a"), after: .string("b"))])]))]
        let input = SiteInput(title: "T", baseURL: nil, snapshot: snapshot, history: history)
        let parts = SiteModel.Parts(input)
        let digest = InputDigest(input, templateHash: "t", facts: parts.facts, beside: parts.units)
        let handed = parts.model()
        let own = SiteModel(input)
        #expect(digest == InputDigest(input, templateHash: "t"))
        #expect(handed.order == own.order)
        #expect(handed.facts.map(\.tags) == own.facts.map(\.tags))
        #expect(handed.facts.map(\.model) == own.facts.map(\.model))
        #expect(own.facts.contains { !$0.tags.isEmpty } && own.facts.contains { $0.model == nil } && own.facts.contains { $0.model != nil })
        #expect(handed.facts.map(\.page) == own.facts.map(\.page))
        #expect(handed.tags == own.tags && handed.models == own.models)
        #expect(handed.rank == own.rank && handed.organizations == own.organizations && handed.organizationNames == own.organizationNames)
        #expect(!own.organizations.isEmpty && !own.organizationNames.isEmpty)
        #expect(Set(handed.tombstones.keys) == [gone.key] && Set(own.tombstones.keys) == [gone.key])
        #expect(handed.timelines.current.map { $0.map(\.kind) } == own.timelines.current.map { $0.map(\.kind) })
        #expect(own.timelines.current.contains { $0.count == 2 } && handed.events(gone.key, current: nil).map(\.kind) == [.removed, .added])
        // The pages the model gives the bots from their facts' candidates are the ones worked out from their slugs and names.
        #expect(handed.currentPaths == SitePaths.botPages(handed.current.map { ($0.key, $0.bot.slug, $0.bot.name) }).inOrder)
    }

    /// A page holding the given parts one after the other after a head of `head` bytes, as a
    /// listing page holds its rows; where each part starts.
    static func page(at path: String, head: Int, parts: [String]) throws -> [Int] {
        var bytes = Array(repeating: UInt8(ascii: "<"), count: head)
        var offsets: [Int] = []
        for part in parts {
            offsets.append(bytes.count)
            bytes += part.utf8
        }
        try Data(bytes + Array("</html>".utf8)).write(to: URL(fileURLWithPath: path))
        return offsets
    }

    /// The folder open, as the build hands it to the row cache (left open: the test process ends soon).
    static func folder(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("cannot open \(path)") }
        return fd
    }

    @Test("the row cache points at the rows where the published pages hold them and keeps the rest itself; every row comes back as written, whatever bytes it holds")
    func rowCacheRoundTrip() throws {
        let folder = try TestSupport.temporaryFolder()
        let site = "\(folder)/site", path = "\(folder)/rows.cache"
        try FileManager.default.createDirectory(atPath: "\(site)/tags", withIntermediateDirectories: true)
        let keys = (0..<600).map { BotKey(source: $0 % 2 == 0 ? "unltd" : "gpt 🤖", id: "id-\($0)") }
        let (rows, texts) = Self.freshRows(keys)
        // The index lists every row; a tag page the even ones, from a later start; catalog.json
        // every object but the first ten's; the odd rows one folder down are on no page.
        let placed = Placements(count: keys.count)
        placed.record(.atRoot, page: "index.html", bots: keys.indices, offsets: try Self.page(at: "\(site)/index.html", head: 300, parts: texts.map { $0[1] }))
        let even = Array(stride(from: 0, to: keys.count, by: 2))
        placed.record(.oneDown, page: "tags/even.html", bots: even, offsets: try Self.page(at: "\(site)/tags/even.html", head: 1000, parts: even.map { texts[$0][2] }))
        let listed = Array(10..<keys.count)
        placed.record(.catalogJSON, page: "catalog.json", bots: listed, offsets: try Self.page(at: "\(site)/catalog.json", head: 20, parts: listed.map { texts[$0][3] }))
        try RowCache.save(rows, keys: keys, placed: placed, site: try Self.folder(site), to: path)
        Self.expectRows(RowCache.read(path, site: site), keys, texts)
        #expect(RowCache.read(path, site: site).row(BotKey(source: "unltd", id: "id-1"), fingerprint: "1") == nil, "another key's row is not this key's")

        // The cache holds the parts on no page: the odd rows' one folder down, ten objects.
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let inline = texts.indices.filter { $0 % 2 == 1 }.map { texts[$0][2].utf8.count }.reduce(0, +) + texts.prefix(10).map { $0[3].utf8.count }.reduce(0, +)
        let all = texts.map { $0[1...].map(\.utf8.count).reduce(0, +) }.reduce(0, +)
        #expect(size > inline && size < inline + all / 4, "\(size) bytes: the rows on pages are not copied (\(inline) inline, \(all) in all)")

        // The next build places nothing (its listing pages were the published ones): the rows
        // it read point where they were, and are saved pointing there again.
        let next = RowCache.read(path, site: site)
        let carried = Rows(cache: next)
        carried.rows = keys.indices.map { next.row(keys[$0], fingerprint: texts[$0][0])! }
        try RowCache.save(carried, keys: keys, placed: Placements(count: keys.count), site: try Self.folder(site), to: path)
        #expect(try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == size)
        Self.expectRows(RowCache.read(path, site: site), keys, texts)

        // A page written since (same bytes, another time) serves no row: those rows are missing, the rest are whole.
        let tagPage = "\(site)/tags/even.html"
        let later = Date(timeIntervalSinceNow: 5)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: tagPage)
        let touched = RowCache.read(path, site: site)
        #expect(touched.count == keys.count / 2)
        for n in keys.indices {
            #expect((touched.row(keys[n], fingerprint: texts[n][0]) != nil) == (n % 2 == 1), "\(keys[n])")
        }
        // A page replaced by another file, or gone: the same.
        let index = "\(site)/index.html"
        try FileManager.default.moveItem(atPath: index, toPath: "\(index).old")
        try FileManager.default.copyItem(atPath: "\(index).old", toPath: index)
        #expect(RowCache.read(path, site: site).count == 0)
        unlink(index)
        #expect(RowCache.read(path, site: site).count == 0)
    }

    @Test("a damaged or foreign row cache is no cache at all, and its pages are never looked for outside the site")
    func rowCacheDamaged() throws {
        let folder = try TestSupport.temporaryFolder()
        let site = "\(folder)/site", path = "\(folder)/rows.cache"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        let keys = (0..<50).map { BotKey(source: "unltd", id: "id-\($0)") }
        let (rows, texts) = Self.freshRows(keys)
        let placed = Placements(count: keys.count)
        placed.record(.atRoot, page: "index.html", bots: keys.indices, offsets: try Self.page(at: "\(site)/index.html", head: 10, parts: texts.map { $0[1] }))
        try RowCache.save(rows, keys: keys, placed: placed, site: try Self.folder(site), to: path)
        Self.expectRows(RowCache.read(path, site: site), keys, texts)

        let data = try #require(FileManager.default.contents(atPath: path))
        let head = RowCache.header.utf8.count
        func changing(_ offset: Int, to value: some FixedWidthInteger) -> Data {
            var copy = data
            withUnsafeBytes(of: value.littleEndian) { copy.replaceSubrange((head + offset)..<(head + offset + $0.count), with: $0) }
            return copy
        }
        // One page, "index.html": its count, path length and path come first.
        #expect(data[(data.startIndex + head + 12)..<(data.startIndex + head + 22)] == Data("index.html".utf8))
        var climbing = data
        climbing.replaceSubrange((head + 12)..<(head + 22), with: Data("../x/a.htm".utf8))
        let rowsAt = 8 + 4 + 10 + 32
        let mangled = [changing(0, to: UInt64(2)), changing(0, to: UInt64.max), changing(8, to: UInt32(11)), changing(8, to: UInt32.max),
                       changing(rowsAt, to: UInt64(51)), changing(rowsAt, to: UInt64(1) << 40), climbing, data + Data([0x20])]
        for damaged in [data.prefix(data.count - 3), data.prefix(40), Data("botcatalog-rows 3\n".utf8) + data.dropFirst(head)] + mangled {
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect(RowCache.read(path, site: site).count == 0)
        }
        #expect(RowCache.read("\(folder)/missing", site: site).count == 0)
    }

    @Test("a row's root marker becomes each root wherever it stands, and nothing else that looks like it does")
    func rootMarker() {
        let m = SiteBuilder.rootMarker
        let cases: [(String, [String])] = [
            ("", ["", ""]),
            ("no marker é", ["no marker é", "no marker é"]),
            ("\(m)a\(m)\(m)b\(m)", ["ab", "../a../../b../"]),
            ("\u{E000}root \u{E000}\(m)\u{E001}x\u{E000}roo", ["\u{E000}root \u{E000}\u{E001}x\u{E000}roo", "\u{E000}root \u{E000}../\u{E001}x\u{E000}roo"]),
        ]
        for (text, expected) in cases {
            let made = SiteBuilder.replacing(m, in: Array(text.utf8), with: ["", "../"]).map { String(decoding: $0, as: UTF8.self) }
            #expect(made == expected, "\(text.debugDescription)")
        }
    }

    @Test("the short hashes in published URLs and feed ids never change between versions (FNV-1a)", arguments: [
        ("unltd/abc", "45f5eaf6"), ("Demo", "e0dc61fe"), ("Ops & Research 🤖", "df0ce039"),
    ])
    func shortHashIsStable(text: String, hash: String) {
        #expect(SitePaths.shortHash(text) == hash)
    }

    @Test("page fingerprints tell texts apart however they are split into parts, word-sized or not")
    func fingerprints() {
        func print(_ parts: [String]) -> UInt64 {
            var f = Fingerprint()
            for part in parts { f.add(part) }
            return f.value
        }
        let long = String(repeating: "0123456789abcdef", count: 4)
        let cases = [["ab", "c"], ["a", "bc"], ["abc"], ["", "abc"], [long], [long + "x"], [String(long.dropLast()) + "x"], ["é"], ["e\u{301}"]]
        #expect(Set(cases.map(print)).count == cases.count)
        for parts in cases {
            var f = Fingerprint()
            for part in parts { f.add(part) }
            #expect(f.hex == String(format: "%016llx", f.value))
        }
    }

    // MARK: Golden pages

    @Test("representative pages of demo day 2 match their golden files", arguments: [
        ("index.html", "site/index.html"),
        ("bots/unltd/proposal-drafter.html", "site/bot-changed-proposal-drafter.html"),
        ("bots/unltd/objection-handler.html", "site/bot-removed-objection-handler.html"),
        ("changelog.html", "site/changelog.html"),
        ("feed.xml", "site/feed.xml"),
    ])
    func golden(page: String, golden: String) async throws {
        let built = try await DemoSite.built(baseURL: nil)
        let text = try String(contentsOfFile: "\(built.site)/\(page)", encoding: .utf8)
        try TestSupport.assertGolden(text, golden)
    }

    // MARK: Hostile content

    @Test("hostile API text: nothing escapes the site folder, one safe file name per bot, no script, handler or unsafe URL gets through")
    func hostileContent() async throws {
        let harness = try await DemoHarness(world: Hostile.world(day: 1), folder: try TestSupport.temporaryFolder(),
                                            extraConfig: "baseURL: \(Self.baseURL)")
        let day1 = try await harness.run(day: 1)
        harness.server.setWorld(Hostile.world(day: 2))
        let day2 = try await harness.run(day: 2)
        await harness.stop()
        // A source the run could not read in full says why.
        #expect(day1.status == .done && day2.status == .done,
                "\([day1, day2].flatMap { $0.snapshot.sources.map { "\($0.name): \($0.problems)" } })")
        #expect(day1.changes.added.count == 19 - 1 + Hostile.botCount, "the demo's 19 bots, Sales Copilot replaced, and every hostile bot")
        #expect(day2.changes.removed.count == 1 && day2.changes.changed.count == Hostile.botCount - 1)

        // Nothing outside the site folder: the harness folder holds only what the run is meant to
        // write (`.site.spare` is the day-1 site, kept for the next run to bring up to date).
        let top = Set(try FileManager.default.contentsOfDirectory(atPath: harness.folder))
        #expect(top.isSubset(of: ["botcatalog.yml", "state", "site", ".site.spare", "report-1.md", "report-1.json", "report-2.md", "report-2.json"]), "\(top.sorted())")
        // Where the climbing slugs and ids would land if a path were built from them as they are.
        var outside = (harness.folder as NSString).deletingLastPathComponent
        for folder in [harness.folder, "\(harness.site)/bots", NSTemporaryDirectory(), "/tmp", "/"] {
            for name in ["evil", "evil.html", "evil-org.html", "escape", "escape.html", "escape-by-id", "escape-by-id.html"] {
                #expect(!FileManager.default.fileExists(atPath: "\(folder)/\(name)"), "written outside its folder: \(folder)/\(name)")
            }
        }
        while outside.count > 1 {
            #expect(!FileManager.default.fileExists(atPath: "\(outside)/evil.html"), "written outside the site: \(outside)/evil.html")
            outside = (outside as NSString).deletingLastPathComponent
        }
        let files = TestSupport.files(under: harness.site)
        let allowedTop: Set<String> = ["index.html", "404.html", "changelog.html", "feed.xml", "catalog.json", "sitemap.xml",
                                       SiteBuilder.marker, "assets", "bots", "organizations", "tags", "models"]
        let safeSegment = try Regex("^[a-z0-9][a-z0-9-]*(\\.[a-z]+)?$")
        for path in files.keys {
            let parts = path.split(separator: "/").map(String.init)
            #expect(allowedTop.contains(parts[0]), "unexpected file \(path)")
            #expect(parts.dropFirst().allSatisfy { (try? safeSegment.wholeMatch(in: $0)) != nil }, "unsafe path \(path)")
        }

        // Exactly one page per bot, under bots/<source>/, with a plain lowercase name.
        let catalogData = try #require(files["catalog.json"])
        #expect((try? JSONSerialization.jsonObject(with: catalogData)) != nil, "catalog.json is JSON to any reader")
        let catalog = try JSONReader.read(catalogData)
        let bots = try #require(catalog["bots"]?.arrayValue)
        #expect(bots.count == day2.snapshot.entries.count)
        // One bot per line, hostile text and all: a line break in a text is escaped.
        let lines = String(decoding: catalogData, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == bots.count + 3 && lines.first == "{\"bots\":[" && lines.last == "", "\(lines.prefix(2))")
        #expect(lines[lines.count - 2].hasPrefix("],\"title\":"))
        for (n, line) in lines.dropFirst().prefix(bots.count).enumerated() {
            let object = try JSONReader.read(Data((n + 1 < bots.count ? line.dropLast() : line).utf8))
            #expect(object == bots[n], "line \(n + 2) holds bot \(n) alone")
        }
        let pageName = try Regex("^[a-z0-9-]+\\.html$")
        var urls: [String] = []
        for bot in bots {
            let source = bot["source"]?.stringValue ?? "?"
            let url = bot["url"]?.stringValue ?? ""
            urls.append(url)
            #expect(url.hasPrefix("bots/\(source)/") && url.split(separator: "/").count == 3, "\(url)")
            #expect((try? pageName.wholeMatch(in: String(url.split(separator: "/").last ?? ""))) != nil, "\(url)")
            #expect(files[url] != nil, "no page for \(bot["id"]?.stringValue ?? "?") at \(url)")
        }
        #expect(Set(urls).count == urls.count, "two bots share a page")
        let botFiles = files.keys.filter { $0.hasPrefix("bots/") }
        #expect(Set(urls).isSubset(of: Set(botFiles)))
        #expect(botFiles.count == urls.count + day2.changes.removed.count, "one page per bot plus the tombstone, nothing else")

        // Every page: well-formed, links land, and nothing active came through.
        let walk = SiteWalk(site: harness.site, base: Self.baseURL)
        #expect(walk.problems.isEmpty, "\(walk.problems.joined(separator: "\n"))")
        #expect(walk.linkProblems().isEmpty, "\(walk.linkProblems().joined(separator: "\n"))")
        for (path, page) in walk.pages {
            let script = SitePaths.root(of: path) + "assets/catalog.js"
            for problem in Hostile.problems(in: page, allowedScript: script) { Issue.record("\(path): \(problem)") }
        }
        let changelog = try #require(walk.pages["changelog.html"])
        #expect(changelog.text.contains("alert(1)"), "hostile names are shown as text, not dropped")

        // The feed and the sitemap still parse; the feed's escaped HTML is as safe as the pages.
        let feed = try Self.atom(at: "\(harness.site)/feed.xml")
        #expect(feed.elements.filter { $0.name == "entry" }.count == 2)
        for content in feed.elements where content.name == "content" {
            let body = try XMLScan.parse(Data("<div>\(content.text)</div>".utf8))
            for problem in Hostile.problems(in: body, allowedScript: nil) { Issue.record("feed.xml: \(problem)") }
            for problem in body.urls.compactMap({ walk.check($0.value, from: "feed.xml") }) { Issue.record("feed.xml: \(problem)") }
        }
        _ = try XMLScan.parse(try #require(files["sitemap.xml"]), namespaces: true)
    }

    @Test("a markup character fused with a combining mark or a prepended sign is still escaped (swift-mustache escapes by Character)",
          arguments: ["\"\u{301} onmouseover=alert(1) x=\"\u{301}", "\u{600}\"><script>alert(1)</script>", "<\u{338}b>&\u{301}amp;", "'\u{200D}>"])
    func fusedMarkup(payload: String) throws {
        let templates = try TemplateSet.load(from: TemplateSet.builtInFolder)
        let row = templates.render("bot-row", ["name": payload, "url": "x.html", "source": "unltd", "model": payload, "summary": payload,
                                               "tags": [["name": payload, "url": "t.html"]], "tagList": payload])
        let table = try XMLScan.parse(Data("<table><tbody>\(row)</tbody></table>".utf8))
        let tr = try #require(table.elements.first { $0.name == "tr" })
        #expect(tr.attributes.isEmpty, "a row repeats none of its cells in attributes")
        #expect(!table.elements.contains { $0.name == "script" || $0.name == "b" })
        #expect(Hostile.problems(in: table, allowedScript: nil).isEmpty)
    }

    // MARK: Atomic and incremental

    @Test("a run that changes nothing keeps unchanged files (same inode and mtime); pages that no longer exist disappear, and no link is left pointing at them")
    func incremental() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        _ = try await harness.run(day: 1)
        // Day 2, and Paper Summarizer leaves the research organization first: its tombstone links
        // the organization's page, its tags' and its model's, which all still exist.
        harness.server.setWorld(Self.withoutResearch(.demo(day: 2), keeping: { $0["name"] != "Paper Summarizer" }))
        _ = try await harness.run(day: 2)
        let before = try Self.fileIdentities(harness.site)
        let bytesBefore = TestSupport.files(under: harness.site)
        let tombstone = bytesBefore["bots/unltd/paper-summarizer.html"].map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(tombstone.contains("../../organizations/org-research.html") && tombstone.contains("../../tags/summaries.html"))

        // Day 3: the APIs answer exactly as on day 2. Only the changelog's check time moves, so
        // nothing is staged: that one file is replaced in place, in the same site folder.
        let folderBefore = try FileManager.default.attributesOfItem(atPath: harness.site)[.systemFileNumber] as? Int
        // What a run killed while replacing the changelog in place would leave behind.
        let leftover = "\(harness.site)/.changelog.html.tmp-1-2"
        try Data("half".utf8).write(to: URL(fileURLWithPath: leftover))
        let day3 = try await harness.run(day: 3)
        #expect(!FileManager.default.fileExists(atPath: leftover), "a killed run's temporary file is cleaned up")
        let folderAfter = try FileManager.default.attributesOfItem(atPath: harness.site)[.systemFileNumber] as? Int
        #expect(folderBefore != nil && folderBefore == folderAfter, "the site folder was not swapped")
        #expect(day3.site.written == 1 && day3.site.reused == day3.site.pages - 1)
        let after = try Self.fileIdentities(harness.site)
        let bytesAfter = TestSupport.files(under: harness.site)
        #expect(day3.changes.isEmpty && day3.site.botPagesRendered == 0)
        #expect(Set(after.keys) == Set(before.keys))
        let rewritten = bytesAfter.keys.filter { bytesAfter[$0] != bytesBefore[$0] }.sorted()
        #expect(rewritten == ["changelog.html"], "only the page showing the check time changes: \(rewritten)")
        for (path, identity) in after where !rewritten.contains(path) {
            #expect(identity == before[path], "\(path) was rewritten although its bytes did not change")
        }

        // Day 4: every research bot is gone. Its organization page, and the tags and models only
        // those bots had, disappear; the bots keep tombstones, and the older tombstone (reused,
        // not rendered) must not keep links to the pages that went.
        harness.server.setWorld(Self.withoutResearch(.demo(day: 2), keeping: { _ in false }))
        let day4 = try await harness.run(day: 4)
        await harness.stop()
        #expect(day4.changes.removed.count == 4)
        let files = TestSupport.files(under: harness.site)
        #expect(before["organizations/org-research.html"] != nil && files["organizations/org-research.html"] == nil)
        #expect(before["tags/surveys.html"] != nil && files["tags/surveys.html"] == nil)
        #expect(files["bots/unltd/survey-designer.html"].map { String(decoding: $0, as: UTF8.self).contains("This bot was removed") } == true)
        let catalog = try TestSupport.json("\(harness.site)/catalog.json")
        let organizations = Set((catalog["bots"]?.arrayValue ?? []).compactMap { $0["organization"]?.stringValue })
        let organizationPages = files.keys.filter { $0.hasPrefix("organizations/") && $0 != "organizations/index.html" }
        #expect(organizationPages.count == organizations.count, "one page per organization that still has bots: \(organizationPages.sorted())")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.folder).filter { $0.hasPrefix(".site.") && $0 != ".site.spare" }
        #expect(leftovers.isEmpty, "no staging folder left behind: \(leftovers)")
        let walk = SiteWalk(site: harness.site, base: nil)
        #expect(walk.linkProblems().isEmpty, "\(walk.linkProblems().joined(separator: "\n"))")
    }

    @Test("a run whose input is the last build's fills the cached changelog in, byte for byte what a full build makes; a site that lost a page, or a cache of another build, gets a full build")
    func quickNoChangeRun() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        _ = try await harness.run(day: 1)
        let cachePath = "\(harness.state)/site-changelog.cache"
        #expect(FileManager.default.fileExists(atPath: cachePath), "a full build leaves the changelog's cache")

        // Day 2: same APIs. Only the changelog is made, from the cache, and it is what a whole
        // build of the same input makes (built afresh elsewhere, every file compared).
        let day2 = try await harness.run(day: 2)
        #expect(day2.changes.isEmpty && day2.site.rendered == 1 && day2.site.written == 1, "\(day2.site)")
        let published = TestSupport.files(under: harness.site)
        #expect(String(decoding: published["changelog.html"] ?? Data(), as: UTF8.self).contains(DemoHarness.days[1]))
        try await Self.expectSameAsFreshBuild(harness, "day 2, changelog filled in from its cache")

        // Day 3: a reader deleted a bot page and a tag page. The folders' times moved, so the site
        // is built, and both pages are back as a fresh build makes them (no listing page's print
        // changed: the tag page's rows are made when it needs them).
        let page = try #require(published.keys.first { $0.hasPrefix("bots/") })
        let listing = try #require(published.keys.sorted().first { $0.hasPrefix("tags/") && $0 != "tags/index.html" })
        try FileManager.default.removeItem(atPath: "\(harness.site)/\(page)")
        try FileManager.default.removeItem(atPath: "\(harness.site)/\(listing)")
        let day3 = try await harness.run(day: 3)
        #expect(day3.site.rendered > 1 && FileManager.default.fileExists(atPath: "\(harness.site)/\(page)"), "\(day3.site)")
        #expect(TestSupport.files(under: harness.site)[listing] == published[listing], "\(listing) is back as it was")
        try await Self.expectSameAsFreshBuild(harness, "day 3, a lost bot page and tag page made again")

        // Day 4: the cache is another build's (its digest differs): it is not used.
        let cache = try #require(FileManager.default.contents(atPath: cachePath))
        let page4 = Data("not-this-digest\n<p>stale</p>".utf8)
        try page4.write(to: URL(fileURLWithPath: cachePath))
        let day4 = try await harness.run(day: 4)
        #expect(day4.site.rendered > 1, "\(day4.site)")
        let changelog = String(decoding: FileManager.default.contents(atPath: "\(harness.site)/changelog.html") ?? Data(), as: UTF8.self)
        #expect(changelog.contains(DemoHarness.days[3]) && !changelog.contains("stale</p>"))
        #expect(FileManager.default.contents(atPath: cachePath) == cache, "the cache is made again, as it was for this input")
    }

    @Test("the changelog takes each run from the last build's where it stands, and is what a fresh build makes; a run that shows the time of the check is rendered again when the time moves")
    func changelogRunsFromLastBuild() async throws {
        let built = try await DemoSite.built(baseURL: nil)
        let store = StateStore(folder: built.state, keep: 10)
        let snapshot = try #require(try store.latestSnapshot())
        let history = try store.history()
        try #require(history.count == 2)
        let later = Snapshot(takenAt: "2031-05-06T07:08:09Z", sources: snapshot.sources, entries: snapshot.entries)
        let folder = try TestSupport.temporaryFolder()
        // The built-in templates, and a copy whose runs also show the time of the check (which
        // no run's print holds: it is read outside each run).
        let custom = "\(folder)/templates"
        try FileManager.default.copyItem(atPath: TemplateSet.builtInFolder, toPath: custom)
        let changelog = try String(contentsOfFile: "\(custom)/changelog.mustache", encoding: .utf8)
        try #require(changelog.contains("{{summary}}</p>"))
        try changelog.replacingOccurrences(of: "{{summary}}</p>", with: "{{summary}} · seen {{site.checkedAt}}</p>")
            .write(toFile: "\(custom)/changelog.mustache", atomically: true, encoding: .utf8)

        for (n, templatesFolder) in [TemplateSet.builtInFolder, custom].enumerated() {
            let templates = try TemplateSet.load(from: templatesFolder)
            func build(_ name: String, _ snapshot: Snapshot, _ history: [HistoryEntry]) async throws -> Data? {
                let builder = SiteBuilder(output: "\(folder)/\(n)-\(name)/site", manifestPath: "\(folder)/\(n)-\(name)/state/manifest.json", templates: templates)
                try await builder.stage(SiteInput(title: "Bots", baseURL: nil, snapshot: snapshot, history: history)).publish()
                return FileManager.default.contents(atPath: "\(folder)/\(n)-\(name)/site/changelog.html")
            }
            func cache() throws -> ChangelogCache { try #require(ChangelogCache.read("\(folder)/\(n)-kept/state/site-changelog.cache", digest: nil)) }
            // Day 1's history, then day 2's: the first run is taken from day 1's changelog.
            _ = try await build("kept", snapshot, Array(history.prefix(1)))
            #expect(try cache().fragments.count == 1, "the run is kept with its place in the cache")
            #expect(try await build("kept", snapshot, history) == build("fresh", snapshot, history), "templates \(n): day 2")
            #expect(try cache().fragments.count == 2)
            let escapes = Set(try cache().fragments.flatMap { $0.escapes.map(\.name) })
            #expect(escapes.contains("site.checkedAt") == (n == 1), "templates \(n): \(escapes.sorted())")
            // The cache cut short anywhere, or with a byte changed in its lines, is no cache (or one
            // whose fragments lie in its page): never a page cut short.
            let data = try #require(FileManager.default.contents(atPath: "\(folder)/\(n)-kept/state/site-changelog.cache"))
            let whole = try cache()
            for cut in stride(from: 0, to: data.count, by: max(1, data.count / 300)) {
                try data.prefix(cut).write(to: URL(fileURLWithPath: "\(folder)/cut.cache"))
                #expect(ChangelogCache.read("\(folder)/cut.cache", digest: nil) == nil, "cut at \(cut)")
            }
            #expect(whole.fragments.count == 2)
            for at in stride(from: 0, to: data.count, by: max(1, data.count / 300)) {
                var damaged = data
                damaged[at] = damaged[at] == UInt8(ascii: "7") ? UInt8(ascii: "x") : UInt8(ascii: "7")
                try damaged.write(to: URL(fileURLWithPath: "\(folder)/damaged.cache"))
                // (A changed digest is read: it is only compared with the input's.)
                let read = ChangelogCache.read("\(folder)/damaged.cache", digest: nil)
                #expect(read == nil || (read?.page == whole.page && read?.fragments == whole.fragments), "byte \(at) changed")
            }
            // A later check: the custom runs are rendered again; both match a fresh build.
            #expect(try await build("kept", later, history) == build("fresh-later", later, history), "templates \(n): a later check")
            let page = try String(contentsOfFile: "\(folder)/\(n)-kept/site/changelog.html", encoding: .utf8)
            #expect(page.components(separatedBy: " · seen \(Timestamp.readable(later.takenAt))</p>").count - 1 == (n == 1 ? 2 : 0))
        }
    }

    @Test("the changelog's cache tells whether it fills in to a page without making it: as making it and comparing does, for markers anywhere and any byte changed")
    func cacheFillsWithoutMaking() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["<p>", "é ", ChangelogCache.checkedAt, ChangelogCache.checkedAtISO, "\u{E000}", "checked", "&amp;", "\n"]
        for round in 0..<300 {
            let page = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let cache = ChangelogCache(digest: "d", page: Array(page.utf8))
            let takenAt = round % 2 == 0 ? "2026-02-01T03:00:00Z" : "2031-12-31T23:59:59Z"
            let filled = cache.filled(takenAt: takenAt)
            #expect(cache.fills(filled, takenAt: takenAt), "\(page.debugDescription)")
            #expect(!cache.fills(filled + [0x20], takenAt: takenAt) && !cache.fills(Array(filled.dropLast()), takenAt: takenAt) || filled.isEmpty)
            if !filled.isEmpty {
                var changed = filled
                let at = Int.random(in: 0..<changed.count, using: &generator)
                changed[at] ^= 0x01
                #expect(!cache.fills(changed, takenAt: takenAt), "\(page.debugDescription), byte \(at)")
            }
            let other = round % 2 == 0 ? "2031-12-31T23:59:59Z" : "2026-02-01T03:00:00Z"
            #expect(cache.fills(cache.filled(takenAt: other), takenAt: takenAt) == (filled == cache.filled(takenAt: other)))
        }
    }

    /// Every file of the published site is what a build of the same input from nothing makes.
    static func expectSameAsFreshBuild(_ harness: DemoHarness, _ note: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let store = StateStore(folder: harness.state, keep: 10)
        let fresh = try TestSupport.temporaryFolder()
        let builder = SiteBuilder(output: "\(fresh)/site", manifestPath: "\(fresh)/manifest.json", templates: try TemplateSet.load(from: TemplateSet.builtInFolder))
        let staged = try await builder.stage(SiteInput(title: "Demo bot catalog", baseURL: nil, snapshot: try #require(try store.latestSnapshot()), history: try store.history()))
        try staged.publish()
        let whole = TestSupport.files(under: "\(fresh)/site")
        let published = TestSupport.files(under: harness.site)
        #expect(Set(whole.keys) == Set(published.keys), "\(note): \(Set(whole.keys).symmetricDifference(published.keys).sorted())", sourceLocation: sourceLocation)
        let differing = whole.keys.filter { published[$0] != whole[$0] }.sorted()
        #expect(differing.isEmpty, "\(note): \(differing) differ from a fresh build's", sourceLocation: sourceLocation)
    }

    @Test("the site swapped out is kept as the spare and brought up to date by the next run: the site it publishes is byte for byte a fresh build's; a spare that was touched is not used")
    func spareSite() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        let spare = "\(harness.folder)/.site.spare"
        func inode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? Int }

        _ = try await harness.run(day: 1)
        #expect(!FileManager.default.fileExists(atPath: spare), "a first build has no site to keep")
        harness.server.setWorld(.demo(day: 2))
        _ = try await harness.run(day: 2)
        #expect(FileManager.default.fileExists(atPath: "\(spare)/index.html"), "the day-1 site is the spare")
        try await Self.expectSameAsFreshBuild(harness, "day 2, staged afresh")

        // Days 3 and 4: bots leave, then come back. The spare is brought up to date and swapped in
        // (the published folder is the spare's), and what it publishes is a fresh build's.
        let worlds = [Self.withoutResearch(.demo(day: 2), keeping: { $0["name"] != "Paper Summarizer" }), .demo(day: 2)]
        for (n, world) in worlds.enumerated() {
            let spareFolder = inode(spare)
            let identities = try Self.fileIdentities(harness.site)
            harness.server.setWorld(world)
            let run = try await harness.run(day: 3 + n)
            #expect(run.site.fromSpare && spareFolder != nil && inode(harness.site) == spareFolder, "day \(3 + n): the spare was swapped in")
            #expect(!run.changes.isEmpty)
            try await Self.expectSameAsFreshBuild(harness, "day \(3 + n), from the spare")
            // Files it did not write are still the published ones: same inode, same time.
            let after = try Self.fileIdentities(harness.site)
            let kept = identities.keys.filter { after[$0] == identities[$0] }
            #expect(kept.count > identities.count / 2, "day \(3 + n): \(kept.count) of \(identities.count) files kept")
        }

        // A file appears in the spare (its folder's time moves): the spare is not used, and the
        // file is published nowhere. (After a pause: file times move in clock ticks of a few
        // milliseconds, and a real change comes hours after the publish that recorded them.)
        try await Task.sleep(for: .milliseconds(20))
        try Data("<p>not ours</p>".utf8).write(to: URL(fileURLWithPath: "\(spare)/bots/unltd/planted.html"))
        harness.server.setWorld(Self.withoutResearch(.demo(day: 2), keeping: { _ in false }))
        let day5 = try await harness.run(day: 5)
        #expect(!day5.site.fromSpare, "staged afresh")
        #expect(!FileManager.default.fileExists(atPath: "\(harness.site)/bots/unltd/planted.html"))
        try await Self.expectSameAsFreshBuild(harness, "day 5, staged afresh")

        // A run killed while updating the spare leaves it without its record (deleted first):
        // the next run does not trust it.
        try FileManager.default.removeItem(atPath: "\(harness.state)/site-spare.json")
        try Data("<p>half</p>".utf8).write(to: URL(fileURLWithPath: "\(spare)/index.html.partial"))
        harness.server.setWorld(.demo(day: 2))
        let day6 = try await harness.run(day: 6)
        #expect(!day6.site.fromSpare, "staged afresh")
        #expect(!FileManager.default.fileExists(atPath: "\(harness.site)/index.html.partial"))
        try await Self.expectSameAsFreshBuild(harness, "day 6, staged afresh")
    }

    /// The world with only the research bots that `keeping` keeps.
    static func withoutResearch(_ world: MockWorld, keeping: (MockJSON) -> Bool) -> MockWorld {
        var world = world
        world.organizations = world.organizations.map {
            $0.id == "org_research" ? MockOrganization(id: $0.id, name: $0.name, bots: $0.bots.filter(keeping)) : $0
        }
        return world
    }

    /// A site of `count` unltd bots with nothing but names, all first seen at `at`, and the run that added them.
    static func plainBots(_ count: Int, title: String, at: String) -> SiteInput {
        let bots = (0..<count).map { Bot(source: "unltd", platform: .unltd, id: "b\($0)", name: "Bot \($0)", slug: "bot-\($0)", scope: "public", fields: [:]) }
        return SiteInput(title: title, baseURL: baseURL,
                         snapshot: Snapshot(takenAt: at, sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)],
                                            entries: bots.map { CatalogEntry(bot: $0, firstSeen: at, lastSeen: at, lastChanged: at) }),
                         history: [HistoryEntry(at: at, changes: ChangeSet(added: bots.map(BotRef.init)))])
    }

    @Test("a staged site is published once: publishing it again, or discarding it after, leaves the published site and its manifest as they are")
    func publishOnce() async throws {
        func input(_ count: Int) -> SiteInput { Self.plainBots(count, title: "Once", at: "2026-01-05T09:00:00Z") }
        let folder = try TestSupport.temporaryFolder()
        let builder = SiteBuilder(output: "\(folder)/site", manifestPath: "\(folder)/site-manifest.json",
                                  templates: try TemplateSet.load(from: TemplateSet.builtInFolder))
        let first = try await builder.stage(input(3))
        try first.publish()
        let second = try await builder.stage(input(4))
        try second.publish()
        let published = TestSupport.files(under: "\(folder)/site")
        let manifest = FileManager.default.contents(atPath: "\(folder)/site-manifest.json")
        #expect(published["bots/unltd/bot-3.html"] != nil)
        // The first staging was swapped out and kept as the spare: neither call may bring it back or remove it.
        try second.publish()
        first.discard()
        try first.publish()
        second.discard()
        #expect(TestSupport.files(under: "\(folder)/site") == published)
        #expect(FileManager.default.contents(atPath: "\(folder)/site-manifest.json") == manifest)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/.site.spare/index.html"), "the spare is left alone")
    }

    @Test("a discarded build leaves the changelog cache as the last publish left it, and no temporary file in the state folder; a killed run's is cleared by the next")
    func discardKeepsChangelogCache() async throws {
        let at = "2026-01-05T09:00:00Z"
        func input(_ count: Int, at: String) -> SiteInput { Self.plainBots(count, title: "Kept", at: at) }
        let folder = try TestSupport.temporaryFolder()
        let builder = SiteBuilder(output: "\(folder)/site", manifestPath: "\(folder)/state/site-manifest.json",
                                  templates: try TemplateSet.load(from: TemplateSet.builtInFolder))
        try await builder.stage(input(3, at: at)).publish()
        let cachePath = ChangelogCache.path(besideManifest: "\(folder)/state/site-manifest.json")
        let state = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/state").sorted()
        let cache = try #require(FileManager.default.contents(atPath: cachePath))
        let staged = try await builder.stage(input(5, at: "2026-01-06T09:00:00Z"))
        // (The row cache may be being saved beside them meanwhile: it is waited for when the site is published or discarded.)
        let during = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/state")
        #expect(during.filter { $0.hasPrefix(".site-changelog.cache.tmp-") }.count == 1, "the new cache waits beside the old one: \(during)")
        staged.discard()
        #expect(FileManager.default.contents(atPath: cachePath) == cache)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/state").sorted() == state)

        // A run killed after writing it left the cache's temporary file: the next build clears
        // it, and leaves alone what is not a temporary file of its own state files.
        let stale = "\(folder)/state/.site-changelog.cache.tmp-1-2", other = "\(folder)/state/.snapshot.json.tmp-1-2"
        try Data("stale".utf8).write(to: URL(fileURLWithPath: stale))
        try Data("other".utf8).write(to: URL(fileURLWithPath: other))
        try await builder.stage(input(5, at: "2026-01-06T09:00:00Z")).publish()
        #expect(!FileManager.default.fileExists(atPath: stale) && FileManager.default.fileExists(atPath: other))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/state").filter { $0.contains(".tmp-") } == [".snapshot.json.tmp-1-2"])
    }

    @Test("a run with more changes than the changelog shows: 100 per kind there and in the feed, all on the run's own page")
    func longRun() async throws {
        let at = "2026-01-05T09:00:00Z"
        let bots = (0..<250).map { i in
            Bot(source: "unltd", platform: .unltd, id: "b\(i)", name: "Bot \(i)", slug: "bot-\(i)", scope: "public", fields: [:])
        }
        let snapshot = Snapshot(takenAt: at, sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete)],
                                entries: bots.map { CatalogEntry(bot: $0, firstSeen: at, lastSeen: at, lastChanged: at) })
        let history = [HistoryEntry(at: at, changes: ChangeSet(added: bots.map(BotRef.init)))]
        let folder = try TestSupport.temporaryFolder()
        let builder = SiteBuilder(output: "\(folder)/site", manifestPath: "\(folder)/site-manifest.json",
                                  templates: try TemplateSet.load(from: TemplateSet.builtInFolder))
        try await builder.stage(SiteInput(title: "Long", baseURL: Self.baseURL, snapshot: snapshot, history: history)).publish()

        let walk = SiteWalk(site: "\(folder)/site", base: Self.baseURL)
        #expect(walk.problems.isEmpty && walk.linkProblems().isEmpty, "\((walk.problems + walk.linkProblems()).joined(separator: "\n"))")
        let runPage = PageContexts.runPath(at)
        func botLinks(_ page: String) throws -> Int {
            try #require(walk.pages[page]).elements.filter { $0.name == "a" && ($0.attributes["href"] ?? "").contains("bots/") }.count
        }
        #expect(try botLinks("changelog.html") == 100)
        #expect(try botLinks(runPage) == 250)
        let changelog = try String(contentsOfFile: "\(folder)/site/changelog.html", encoding: .utf8)
        #expect(changelog.contains("150 more in this check") && changelog.contains(runPage))

        let feed = try Self.atom(at: "\(folder)/site/feed.xml")
        let content = try #require(feed.elements.first { $0.name == "content" })
        let body = try XMLScan.parse(Data("<div>\(content.text)</div>".utf8))
        let links = body.elements.filter { $0.name == "a" }.compactMap { $0.attributes["href"] }
        #expect(links.filter { $0.hasPrefix(Self.baseURL + "bots/") }.count == 100)
        #expect(links.last == Self.baseURL + runPage && content.text.contains("and 150 more"))
    }

    @Test("work shared between threads comes back whole and in order, whatever the counts", arguments: [0, 1, 2, 3, 5, 255, 256, 1001])
    func parallelMapKeepsOrder(count: Int) {
        for workers in [1, 2, 3, 4, 8] {
            #expect(Array(0..<count).parallelMap(workers: workers, minimum: 2) { $0 * 3 } == (0..<count).map { $0 * 3 })
        }
    }

    @Test("work handed to a queue that has not started it is done by whoever asks for its value first, and only once")
    func backgroundWorkNeverWaitsForAQueue() {
        // A queue that starts nothing, as GCD's on one CPU when its only thread is the one asking.
        let stalled = DispatchQueue(label: "stalled")
        stalled.suspend()
        let runs = Counter()
        let work = Background(on: stalled) { () -> [Int] in
            runs.add()
            return [Int](0..<10)
        }
        // Asked from a thread of its own, so that a regression shows as a failure rather than a hang.
        let answered = DispatchSemaphore(value: 0)
        let value = Box()
        Thread { value.set(work.value); answered.signal() }.start()
        let came = answered.wait(timeout: .now() + 60) == .success
        #expect(came, "the value came while the queue had not started the work")
        // The queue gets to it after all: the work was taken up already, and is not done again.
        stalled.resume()
        if !came { answered.wait() }
        #expect(value.get == [Int](0..<10))
        #expect(work.value == [Int](0..<10), "asked again, the value is the same")
        stalled.sync {}
        #expect(runs.count == 1)

        // Started by the queue first: the caller waits for that run, and nothing runs twice.
        let queued = Background(on: .global()) { () -> Int in runs.add(); return 7 }
        #expect(queued.value == 7)
        #expect(runs.count == 2)
    }

    @Test("what a build leaves is freed once, however many threads drop it at the same time")
    func leftoversFreedOnce() async throws {
        final class Counted: @unchecked Sendable {
            let freed: Counter
            init(_ freed: Counter) { self.freed = freed }
            deinit { freed.add() }
        }
        let freed = Counter()
        let rounds = 20_000
        for _ in 0..<rounds {
            let leftovers = Leftovers([Counted(freed), Counted(freed)])
            DispatchQueue.concurrentPerform(iterations: 8) { _ in leftovers.dropInBackground() }
        }
        // The freeing happens on other threads: waited for (a crash or a second free fails the run sooner).
        for _ in 0..<600 where freed.count < 2 * rounds { try await Task.sleep(for: .milliseconds(50)) }
        #expect(freed.count == 2 * rounds)
    }

    /// A value set on one thread and read on another.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [Int] = []
        func set(_ new: [Int]) { lock.withLock { value = new } }
        var get: [Int] { lock.withLock { value } }
    }

    /// Counts from any thread.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    @Test("a listing page is written as the text around its rows and the rows themselves: the same bytes as joining them, whatever the template does with them",
          arguments: ["<ul>{{{botsHtml}}}</ul>", "<ul>{{{botsHtml}}}</ul>{{{botsHtml}}}", "<p>no rows</p>", "{{{botsHtml}}}"])
    func listingWrittenInParts(template: String) throws {
        var library = MustacheLibrary()
        library.register(try MustacheTemplate(string: template), named: "page")
        let rows = ["<li>a</li>", "<li>é\u{301}</li>", "", "<li>c</li>"]
        let render = { (rows: String) in library.render(["botsHtml": rows], withTemplate: "page") ?? "" }
        var spans: [ByteSpan] = []
        let owned = OwnedBytes(rows.map { Array($0.utf8) }, spans: &spans)
        let page = SiteBuilder.listing(spans, keeping: owned, render: render)
        #expect(page.data == Data(render(rows.joined()).utf8))
        #expect(page.equals(Data(render(rows.joined()).utf8)))
        if template.contains("botsHtml") { #expect(!page.equals(Data(render("x").utf8))) }
        if case .gathered = page { #expect(template.components(separatedBy: "botsHtml").count == 2, "only a single use is written in parts") }
    }

    @Test("a page is found equal to its published file only when every byte matches, whatever the pieces and however the file is read in blocks, by path or in an open folder")
    func pageMatchesFile() throws {
        let folder = try TestSupport.temporaryFolder()
        let openFolder = open(folder, O_RDONLY | O_DIRECTORY)
        defer { close(openFolder) }
        // Both ways of asking always agree.
        func matches(_ page: PageBytes, _ name: String) -> Bool {
            let byPath = page.matchesFile(atPath: "\(folder)/\(name)")
            #expect(page.matchesFile(name, in: openFolder) == byPath, "\(name): by path \(byPath)")
            return byPath
        }
        var generator = SystemRandomNumberGenerator()
        // Rows of random sizes across several 64 KB blocks, and the page's text around them.
        let rows = (0..<400).map { n in (0..<Int.random(in: 0...700, using: &generator)).map { _ in UInt8(ascii: "a") + UInt8(n % 26) } }
        var spans: [ByteSpan] = []
        let owned = OwnedBytes([Array("<ul>".utf8)] + rows + [Array("</ul>".utf8)], spans: &spans)
        let page = PageBytes.gathered(.init(pieces: spans, owners: [owned]))
        let whole = page.data
        let path = "\(folder)/page.html"
        func file(_ data: Data) throws -> Bool {
            try data.write(to: URL(fileURLWithPath: path))
            return matches(page, "page.html")
        }
        #expect(try file(whole))
        for offset in [0, 1, 65_535, 65_536, 65_537, whole.count / 2, whole.count - 1] {
            var changed = whole
            changed[offset] ^= 0x20
            #expect(try !file(changed), "a byte changed at \(offset)")
        }
        #expect(try !file(whole.dropLast()) && !file(whole + Data("x".utf8)) && !file(Data()))
        #expect(!matches(page, "missing.html") && !page.matchesFile(atPath: folder) && !page.matchesFile(".", in: openFolder))
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(matches(.bytes([]), "page.html") && matches(.text(""), "page.html"))
        #expect(!matches(.text("héllo"), "page.html"))
        try Data("héllo".utf8).write(to: URL(fileURLWithPath: path))
        #expect(matches(.text("héllo"), "page.html") && matches(.bytes(Array("héllo".utf8)), "page.html"))
        #expect(!matches(.bytes([]), "page.html"))
        // Of the same length, one byte apart: read and compared, not judged by the size.
        #expect(!matches(.text("hallo"), "page.html") && !matches(.text("héllò"), "page.html"))
    }

    @Test("a broken template fails the run with an error naming the file, and the published site stays byte-identical")
    func brokenTemplate() async throws {
        let folder = try TestSupport.temporaryFolder()
        try FileManager.default.copyItem(atPath: TemplateSet.builtInFolder, toPath: "\(folder)/templates")
        let harness = try await DemoHarness(folder: folder, extraConfig: "templates: templates")
        _ = try await harness.run(day: 1)
        let published = TestSupport.files(under: harness.site)
        #expect(published["index.html"] != nil)

        let broken = "\(folder)/templates/bot.mustache"
        let text = try String(contentsOfFile: broken, encoding: .utf8)
        try (text + "{{#unclosed}}\n").write(toFile: broken, atomically: true, encoding: .utf8)
        harness.server.setWorld(.demo(day: 2))
        let error = await #expect(throws: PipelineError.self) { try await harness.run(day: 2) }
        await harness.stop()
        #expect(error?.description.contains("templates/bot.mustache") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.status == .usage, "a broken template is the user's to fix: exit 2")
        #expect(TestSupport.files(under: harness.site) == published, "the site is untouched")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".site.") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    // MARK: In a browser

    @Test("in headless Chromium: screenshots at desktop and phone sizes, and #q=customer filters the rows by name, summary and tags")
    func browser() async throws {
        guard let chromium = Chromium.path else {
            print("chromium not installed: browser check skipped")
            return
        }
        let built = try await DemoSite.built(baseURL: nil)
        let shots = TestSupport.packageRoot.appendingPathComponent(".build/screenshots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let work = try TestSupport.temporaryFolder()

        for (page, name) in [("index.html", "index"), ("bots/unltd/proposal-drafter.html", "bot")] {
            for (width, height) in [(1280, 900), (390, 844)] {
                let png = "\(shots)/\(name)-\(width)x\(height).png"
                try? FileManager.default.removeItem(atPath: png)
                let run = try await Chromium.run(chromium, [
                    "--window-size=\(width),\(height)", "--screenshot=\(png)", "file://\(built.site)/\(page)",
                ], work: work)
                #expect(run.status == 0 && !run.timedOut, "chromium: \(run.stderrTail)")
                let data = FileManager.default.contents(atPath: png) ?? Data()
                #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(png) is a PNG")
                #expect(data.count > 20_000, "\(png) shows a page, not a blank (\(data.count) bytes)")
            }
        }

        // The filter: what the script must show for #q=customer, computed from the page's own rows
        // ("customer" is in some summaries and one tag, in no name).
        let index = try XMLScan.parse(try #require(FileManager.default.contents(atPath: "\(built.site)/index.html")))
        // Each row: its name (the bot link's text) and the text the script searches: every cell's
        // but the date's and the stale label's.
        var rows: [(name: String, text: [String])] = []
        var bodyDepth: Int?
        var summaries = 0
        var botTable = false
        // Rows carry no classes: the name is the row header's link, the summary its plain span.
        var cell = ""
        for element in index.elements {
            if element.name == "table" { botTable = element.attributes["id"] == "bot-table" }
            if element.name == "tbody", botTable { bodyDepth = element.depth; continue }
            guard let bodyDepth, element.depth > bodyDepth else { bodyDepth = nil; continue }
            if element.name == "tr", element.depth == bodyDepth + 1 { rows.append(("", [])); continue }
            if element.depth == bodyDepth + 2 { cell = element.name }
            guard !rows.isEmpty, element.name != "time", !element.classes.contains("pill-stale") else { continue }
            if cell == "th", element.name == "bdi", element.depth == bodyDepth + 4 { rows[rows.count - 1].name = element.text }
            if cell == "th", element.name == "span", element.depth == bodyDepth + 3, element.classes.isEmpty { summaries += 1 }
            rows[rows.count - 1].text.append(element.text)
        }
        #expect(summaries > rows.count / 2, "most demo bots have a summary")
        let expected = Dictionary(uniqueKeysWithValues: rows.map { row in
            (row.name, row.text.joined(separator: "\n").lowercased().contains("customer"))
        })
        let matching = expected.values.filter { $0 }.count
        #expect(matching >= 1 && matching < rows.count, "the query must split the rows to prove anything")

        let run = try await Chromium.run(chromium, ["--virtual-time-budget=3000", "--dump-dom", "file://\(built.site)/index.html#q=customer"], work: work)
        #expect(run.status == 0 && !run.timedOut, "chromium: \(run.stderrTail)")
        let dom = run.stdout
        let panel = try #require(Chromium.startTag(in: dom, containing: "id=\"bot-filters\""), "no filter panel in the DOM")
        #expect(!Chromium.hasAttribute("hidden", panel), "the script reveals the filter panel: \(panel)")
        let shownRows = try Chromium.rows(in: dom)
        #expect(shownRows.count == rows.count)
        for (name, visible) in shownRows {
            #expect(visible == expected[name], "\(name): visible \(visible), expected \(expected[name].map(String.init) ?? "no such row")")
        }
        #expect(dom.contains("\(matching) of \(rows.count) bots"), "the live count says how many rows match")
    }

    // MARK: Helpers

    static func atom(at path: String) throws -> XMLScan {
        let feed = try XMLScan.parse(try Data(contentsOf: URL(fileURLWithPath: path)), namespaces: true)
        guard feed.elements.first?.name == "feed", feed.elements.first?.namespace == Atom.namespace else {
            throw TestFailure("\(path): the root is not an Atom <feed>")
        }
        return feed
    }

    struct FileIdentity: Equatable {
        var inode: UInt64
        var modified: Date
    }

    static func fileIdentities(_ folder: String) throws -> [String: FileIdentity] {
        var out: [String: FileIdentity] = [:]
        for path in TestSupport.files(under: folder).keys {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(folder)/\(path)")
            out[path] = FileIdentity(inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
                                     modified: attributes[.modificationDate] as? Date ?? .distantPast)
        }
        return out
    }
}

enum Atom {
    static let namespace = "http://www.w3.org/2005/Atom"
}

// MARK: - The demo site, built once

/// The demo, day 1 then day 2, built once per configuration and shared by the specifications
/// that only read it.
enum DemoSite {
    struct Built: Sendable {
        var site: String
        var state: String
    }

    private static let plain = Task { try await build(extraConfig: "") }
    private static let withBaseURL = Task { try await build(extraConfig: "baseURL: \(SiteTests.baseURL)") }

    static func built(baseURL: String?) async throws -> Built {
        precondition(baseURL == nil || baseURL == SiteTests.baseURL)
        return try await (baseURL == nil ? plain : withBaseURL).value
    }

    private static func build(extraConfig: String) async throws -> Built {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder("demo-site"), extraConfig: extraConfig)
        do {
            _ = try await harness.run(day: 1)
            harness.server.setWorld(.demo(day: 2))
            _ = try await harness.run(day: 2)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        return Built(site: harness.site, state: harness.state)
    }
}

// MARK: - Strict XML

/// A document read by FoundationXML's `XMLParser` (libxml2): strict XML, so a page that parses
/// here is well-formed, whatever a browser would forgive.
final class XMLScan: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var namespace: String?
        var attributes: [String: String]
        /// 1 for the root.
        var depth: Int
        /// The character data directly inside (not that of nested elements).
        var text = ""

        var classes: [Substring] { (attributes["class"] ?? "").split(separator: " ") }
    }

    /// In document order.
    private(set) var elements: [Element] = []
    /// All character data of the document.
    private(set) var text = ""
    private var open: [Int] = []

    static func parse(_ data: Data, namespaces: Bool = false) throws -> XMLScan {
        let scan = XMLScan()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = namespaces
        parser.shouldResolveExternalEntities = false
        parser.delegate = scan
        guard parser.parse() else {
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unknown error"
            throw TestFailure("not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber): \(reason)")
        }
        return scan
    }

    /// Every id, in document order (duplicates kept, so callers can find them).
    var ids: [String] { elements.compactMap { $0.attributes["id"] } }

    static let urlAttributes: Set<String> = ["href", "src", "action", "formaction", "poster", "cite", "background", "srcset",
                                             "data", "xlink:href", "longdesc", "manifest", "ping", "codebase", "srcdoc"]

    /// Every attribute that holds a URL.
    var urls: [(element: String, attribute: String, value: String)] {
        elements.flatMap { element in
            element.attributes.filter { Self.urlAttributes.contains($0.key.lowercased()) }.map { (element.name, $0.key, $0.value) }
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: elementName, namespace: namespaceURI, attributes: attributes, depth: open.count))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
        if let innermost = open.last { elements[innermost].text += string }
    }
}

// MARK: - Walking a site

/// Every HTML page of a built site, parsed strictly, with its links checked.
struct SiteWalk {
    let site: String
    /// The configured baseURL: absolute links under it are internal links.
    let base: String?
    private(set) var pages: [String: XMLScan] = [:]
    /// Pages that do not parse, or with duplicate ids.
    private(set) var problems: [String] = []

    init(site: String, base: String?) {
        self.site = site
        self.base = base
        let paths = ((try? FileManager.default.subpathsOfDirectory(atPath: site)) ?? []).filter { $0.hasSuffix(".html") }
        for path in paths.sorted() {
            do {
                let page = try XMLScan.parse(try Data(contentsOf: URL(fileURLWithPath: "\(site)/\(path)")))
                var seen = Set<String>()
                for id in page.ids where !seen.insert(id).inserted { problems.append("\(path): duplicate id \(id)") }
                pages[path] = page
            } catch {
                problems.append("\(path): \(error)")
            }
        }
    }

    func linkProblems() -> [String] {
        pages.keys.sorted().flatMap { path in
            pages[path]!.urls.compactMap { url in check(url.value, from: path).map { "\(path): <\(url.element) \(url.attribute)>: \($0)" } }
        }
    }

    /// Why a link from `page` does not land, or nil when it does.
    func check(_ link: String, from page: String) -> String? {
        var target = link
        if let base, link.hasPrefix(base) {
            target = String(link.dropFirst(base.count))
            if target.isEmpty || target.hasPrefix("#") { target = "index.html" + target }
            return check(target, from: "root.html")
        }
        if link.hasPrefix("//") { return "protocol-relative link \(link)" }
        if let scheme = Self.scheme(of: link) {
            return scheme == "http" || scheme == "https" ? nil : "scheme \(scheme): is not http(s) in \(link)"
        }
        if link.hasPrefix("/") { return "absolute path \(link); site links must be relative" }
        guard let (path, fragment) = Self.resolve(link, from: page) else { return "\(link) leaves the site" }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "\(site)/\(path)", isDirectory: &isFolder), !isFolder.boolValue else {
            return "\(link) → \(path) does not exist"
        }
        if let fragment, !fragment.isEmpty {
            guard let target = pages[path] else { return "\(link): #\(fragment) into a page that is not HTML" }
            if !target.ids.contains(fragment) { return "\(link): no id \(fragment) in \(path)" }
        }
        return nil
    }

    /// The scheme a browser would see: it drops tabs and newlines anywhere and trims controls and spaces.
    static func scheme(of url: String) -> String? {
        let squeezed = String(String.UnicodeScalarView(url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }))
            .trimmingCharacters(in: CharacterSet(charactersIn: "\u{0}"..."\u{20}"))
        guard let colon = squeezed.firstIndex(of: ":") else { return nil }
        let candidate = squeezed[..<colon]
        let letters = CharacterSet(charactersIn: "a"..."z").union(CharacterSet(charactersIn: "A"..."Z"))
        let schemeCharacters = letters.union(CharacterSet(charactersIn: "0123456789+-."))
        guard let first = candidate.unicodeScalars.first, letters.contains(first),
              candidate.unicodeScalars.allSatisfy(schemeCharacters.contains) else { return nil }
        return candidate.lowercased()
    }

    /// A relative link resolved against the page it is on: a path under the site root and the
    /// fragment; nil when it climbs above the root.
    static func resolve(_ link: String, from page: String) -> (path: String, fragment: String?)? {
        var rest = Substring(link)
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...]).removingPercentEncoding
            rest = rest[..<hash]
        }
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        if rest.isEmpty { return (page, fragment) }
        var parts = page.split(separator: "/").dropLast().map(String.init)
        for part in rest.split(separator: "/", omittingEmptySubsequences: false) {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return nil }
                parts.removeLast()
            default: parts.append(String(part).removingPercentEncoding ?? String(part))
            }
        }
        return (parts.joined(separator: "/"), fragment)
    }
}

// MARK: - Hostile content

/// A catalog whose every text field is an attack: the demo's day 1 plus bots in the public list
/// (some wrapped with hostile organizations), in an extra organization, and behind a GPTBots key.
enum Hostile {
    static let payloads: [String] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'><svg onload=alert(1)>",
        "javascript:alert(1)",
        "[x](data:text/html,<script>alert(1)</script>)",
        "<a href=javascript:alert(1)>a</a>",
        "[md](javascript:alert(1)) [md2](JaVaScRiPt:alert(1)) ![img](javascript:alert(1)) [tab](java\tscript:alert(1)) [rel](../../../etc/passwd) [vb](vbscript:msgbox(1)) <javascript:alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe><object data=x></object><base href=\"https://evil.example/\"><form action=x><meta http-equiv=refresh content=\"0;url=javascript:alert(1)\"><style>*{}</style>",
        "right-to-left \u{202E}gnp.exe\u{202C} \u{2066}isolate\u{2069} \u{200F}mark",
        "controls \u{0}\u{1}\u{7}\u{8}\u{B}\u{C}\u{1B}[31m\u{7F}\u{85}\u{9B} \u{FFFE}\u{FFFF}\u{FEFF} end",
        "escapes \\u003cscript\\u003e \\x3cscript\\x3e %3Cscript%3E &#60;script&#62; &#x3C;b&#x3E; &lt;b&gt; &amp;amp; &nbsp; &bogus; &#0; &#xD800; &#1114112; \\ud800 \\",
        "combining \"\u{301} onmouseover=alert(1) x=\"\u{301} <\u{338}b>x<\u{338}/b> &\u{301}amp; \u{600}\"",
        "cdata ]]> <![CDATA[ x ]]> <!-- comment --> <?xml version=\"1.0\"?> <!DOCTYPE x [<!ENTITY e \"e\">]> &e;",
        "mustache {{site.title}} {{{bodyHtml}}} {{>layout}} {{=<% %>=}}",
    ]
    static let text = payloads.joined(separator: "\n\n")
    /// 200 KB of markup, bidi overrides and entities in one string.
    static let huge = String(repeating: "<b>\u{202E}&amp;\"x' ", count: 200_000 / 16)

    static let slugs = ["../../evil", "a/b", "..", ".", "CON", "UPPER", "upper", "café", "日本語", "", "evil",
                        "../../../../../../tmp/escape", "index", huge]
    static let names = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", ".", "CON", "Upper", "upper",
                        "café", "日本語", "日本語", "\u{202E}evil\u{600}<script>alert(1)</script>\u{600}", "evil", "javascript:alert(1)", "index", huge]
    static let logos = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>", "//evil.example/x.png",
                        "https://ok.example/a.png\" onerror=\"alert(1)", "java\nscript:alert(1)", "https://ok.example/logo.png"]
    static let tags = ["..", ".", "a/b", "index", "CON", "UPPER", "upper", "日本語", "café", "", "<script>alert(1)</script>",
                       "\"><img src=x onerror=alert(1)>", "\u{202E}rtl", "javascript:alert(1)"]

    /// The unltd bots plus the GPTBots one.
    static var botCount: Int { slugs.count + 1 }

    static func world(day: Int) -> MockWorld {
        var world = MockWorld.demo(day: 1)
        let unltd = slugs.indices.map { bot($0, day: day) }
        let half = slugs.count / 2
        var publicBots = Array(unltd[..<half])
        // Listings may wrap a bot with its organization; these organizations are hostile too.
        publicBots[0] = ["bot": publicBots[0], "organization": ["id": "../../evil-org", "name": .string(text)]]
        publicBots[1] = ["bot": publicBots[1], "organization": ["id": "CON", "name": "<script>alert(1)</script>"]]
        publicBots[2]["organizationId"] = "UPPER"
        publicBots[3]["organizationId"] = "upper"
        publicBots[4]["organizationId"] = .string(huge)
        world.publicBots += publicBots
        // On day 2 the huge bot (the last) is gone and leaves a tombstone.
        world.organizations.append(MockOrganization(id: "org_hostile", name: text, bots: Array(unltd[half..<(day >= 2 ? unltd.count - 1 : unltd.count)])))
        world.gptbotsKeys[MockDemo.gptbotsSalesKey] = .bot(gptbotsBot(day: day))
        return world
    }

    static func bot(_ i: Int, day: Int) -> MockJSON {
        let payload = payloads[i % payloads.count]
        let changed = day >= 2 ? "\n\nchanged <script>alert(2)</script> [y](javascript:alert(2))" : ""
        let isHuge = slugs[i] == huge
        let body: MockJSON = .string((isHuge ? huge : text) + changed)
        let field: MockJSON = .string(isHuge ? huge : payload)
        return [
            "id": .string(slugs[i].isEmpty ? "../../../escape-by-id" : "hostile-\(i)"),
            "name": .string(names[i]),
            "slug": .string(slugs[i]),
            "description": body,
            "modelKey": field,
            "creditCost": field,
            "applyToApi": true,
            "logo": .string(logos[i % logos.count]),
            "tags": .array((isHuge ? [huge] : [tags[i % tags.count], tags[(i + 3) % tags.count], payload] + (day >= 2 ? ["new"] : [])).map(MockJSON.string)),
            "inputs": [["name": field, "type": field, "required": true, "description": body],
                       ["key": "<b>\u{202E}", "type": "javascript:alert(1)", "description": "\u{0}"]],
            "\u{202E}evil\u{1}_prompt": body,
            "a prompt": body,
            "A_PROMPT": body,
            "bot-inputs prompt": body,
            "<img src=x onerror=alert(1)>": ["<script>": field, "on\u{202E}click": [field, body]],
            "javascript:alert(1)": field,
        ]
    }

    static func gptbotsBot(day: Int) -> MockJSON {
        [
            "bot_id": "<script>alert(1)</script>",
            "name": .string(payloads[1] + (day >= 2 ? " v2" : "")),
            "logo": "javascript:alert(1)",
            "bot_type": "<script>alert(1)</script>",
            "welcome_message": .string(text),
            "introduction": .string(text),
            "identity_prompt": .string(text),
            "tags": .string(tags.joined(separator: ", ")),
            "ai_model": "\"><img src=x onerror=alert(1)>",
            "ai_model_version": "\u{202E}4.0",
            "creativity_level": 0.3,
            "irrelevant_questions": false,
            "long_term_memory": true,
        ]
    }

    static let forbiddenElements: Set<String> = ["iframe", "object", "embed", "base", "form", "frame", "frameset", "style", "svg",
                                                 "math", "template", "applet", "noscript", "audio", "video", "source", "portal"]

    /// What must never be in a page built from API text.
    static func problems(in page: XMLScan, allowedScript: String?) -> [String] {
        var out: [String] = []
        for element in page.elements {
            let name = element.name.lowercased()
            if name == "script", element.attributes["src"] != allowedScript || allowedScript == nil || !element.text.isEmpty {
                out.append("a <script> that is not the site's own: \(element.attributes)")
            }
            if forbiddenElements.contains(name) { out.append("a <\(name)> element") }
            if name == "meta", let equiv = element.attributes["http-equiv"], equiv.lowercased() != "content-security-policy" {
                out.append("<meta http-equiv=\(equiv)>")
            }
            for (attribute, value) in element.attributes {
                if attribute.lowercased().hasPrefix("on") { out.append("handler attribute \(attribute)=\(value) on <\(name)>") }
                if attribute.lowercased() == "style" { out.append("style attribute on <\(name)>") }
                if XMLScan.urlAttributes.contains(attribute.lowercased()), let scheme = SiteWalk.scheme(of: value), scheme != "http" && scheme != "https" {
                    out.append("<\(name) \(attribute)=\"\(value)\">: scheme \(scheme)")
                }
                if let hidden = firstHidden(in: value) { out.append("hidden character U+\(hidden) in attribute \(attribute) of <\(name)>") }
            }
        }
        if let hidden = firstHidden(in: page.text) { out.append("hidden character U+\(hidden) in the text") }
        return out
    }

    /// Bidi overrides and controls that `DisplayText.clean` must have removed.
    static func firstHidden(in text: String) -> String? {
        text.unicodeScalars.first(where: DisplayText.isHidden)
            .map { String($0.value, radix: 16, uppercase: true) }
    }
}

// MARK: - Chromium

/// Debian's `chromium`, headless, each call in its own profile and killed after a minute.
enum Chromium {
    static var path: String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for folder in folders {
            for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderrTail: String
        var timedOut: Bool
    }

    static func run(_ chromium: String, _ arguments: [String], work: String, timeout: Double = 60) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(chromium, arguments, work: work, timeout: timeout) })
            }
        }
    }

    /// Output goes to files, not pipes: Chromium's helper processes may outlive a killed browser
    /// and would hold a pipe open forever.
    private static func runBlocking(_ chromium: String, _ arguments: [String], work: String, timeout: Double) throws -> Output {
        let id = UUID().uuidString.prefix(8)
        let profile = "\(work)/profile-\(id)", stdoutPath = "\(work)/stdout-\(id)", stderrPath = "\(work)/stderr-\(id)"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars"] + arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let timedOut = Flag()
        let watchdog = DispatchWorkItem {
            timedOut.set()
            kill(pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { kill(pid, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: profile)
        return Output(status: process.terminationStatus, stdout: stdout, stderrTail: String(stderr.suffix(2000)), timedOut: timedOut.value)
    }

    /// The first start tag in serialized HTML that contains `needle`.
    static func startTag(in html: String, containing needle: String) -> String? {
        guard let hit = html.range(of: needle),
              let open = html[..<hit.lowerBound].range(of: "<", options: .backwards),
              let close = html[hit.upperBound...].firstIndex(of: ">") else { return nil }
        return String(html[open.lowerBound...close])
    }

    static func hasAttribute(_ name: String, _ tag: String) -> Bool {
        tag.range(of: "\\s\(name)(=|\\s|>|/)", options: .regularExpression) != nil
    }

    /// Each bot row of the dumped DOM: its name and whether it is shown.
    static func rows(in html: String) throws -> [(name: String, visible: Bool)] {
        let pattern = try Regex("<tr(\\s[^>]*)?>\\s*<th scope=\"row\"><a href=\"[^\"]*\"><bdi>([^<]*)</bdi>")
        return html.matches(of: pattern).map { match in
            let tag = String(html[match.range].prefix { $0 != ">" }) + ">"
            let name = match.output[2].substring.map(String.init) ?? ""
            return (name.replacingOccurrences(of: "&amp;", with: "&"), !hasAttribute("hidden", tag))
        }
    }
}

/// A flag set from the watchdog's queue and read after the process ends.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false
    func set() { lock.withLock { isSet = true } }
    var value: Bool { lock.withLock { isSet } }
}
