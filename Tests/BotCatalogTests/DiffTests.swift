import Testing

@testable import BotCatalog

/// The diff: identity is (source, id); every field the API returned is compared.
@Suite("Diff")
struct DiffTests {
    static func bot(_ id: String = "b1", source: String = "unltd", org: String? = "org_a", _ fields: [String: JSONValue] = [:]) -> Bot {
        var all: [String: JSONValue] = ["id": .string(id), "name": "Helper", "slug": "helper", "modelKey": "gpt-4o", "creditCost": 100,
                                        "inputs": [["name": "q", "type": "text"], ["name": "ctx", "type": "text"]], "tags": ["a", "b"]]
        all.merge(fields) { _, new in new }
        return Bot(source: source, platform: .unltd, id: id, name: all["name"]?.stringValue ?? id, slug: all["slug"]?.stringValue ?? id,
                   organization: org, scope: org.map { "org:\($0)" } ?? "public", fields: all)
    }

    static func bot(_ fields: [String: JSONValue]) -> Bot { bot("b1", fields) }

    static func entry(_ bot: Bot, stale: Bool = false) -> CatalogEntry {
        CatalogEntry(bot: bot, stale: stale, firstSeen: "2026-01-01T00:00:00Z", lastSeen: "2026-01-01T00:00:00Z", lastChanged: "2026-01-01T00:00:00Z")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var old: [Bot]
        var new: [Bot]
        var ignore: [String] = []
        var added: [String] = []
        var removed: [String] = []
        var changed: [String: [String]] = [:]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "added", old: [], new: [bot()], added: ["b1"]),
        Case(name: "removed", old: [bot()], new: [], removed: ["b1"]),
        Case(name: "unchanged", old: [bot()], new: [bot()]),
        Case(name: "changed scalar", old: [bot()], new: [bot(["creditCost": 250])], changed: ["b1": ["creditCost"]]),
        Case(name: "nested array item", old: [bot()], new: [bot(["inputs": [["name": "q", "type": "text"], ["name": "ctx", "type": "textarea"]]])], changed: ["b1": ["inputs[1].type"]]),
        Case(name: "array item appended", old: [bot()], new: [bot(["inputs": [["name": "q", "type": "text"], ["name": "ctx", "type": "text"], ["name": "n"]]])], changed: ["b1": ["inputs[2]"]]),
        Case(name: "flat array changes as a whole", old: [bot()], new: [bot(["tags": ["b"]])], changed: ["b1": ["tags"]]),
        Case(name: "renamed: name and slug, one change", old: [bot()], new: [bot(["name": "Helper 2", "slug": "helper-2"])], changed: ["b1": ["name", "slug"]]),
        Case(name: "moved between organizations", old: [bot()], new: [bot(org: "org_b")], changed: ["b1": ["organization"]]),
        Case(name: "ignored field", old: [bot()], new: [bot(["creditCost": 1])], ignore: ["creditCost"]),
        Case(name: "ignored field, others still seen", old: [bot()], new: [bot(["creditCost": 1, "modelKey": "x"])], ignore: ["creditCost"], changed: ["b1": ["modelKey"]]),
        Case(name: "ignored generic path", old: [bot()], new: [bot(["inputs": [["name": "q", "type": "x"], ["name": "ctx", "type": "y"]]])], ignore: ["inputs[].type"]),
        Case(name: "unknown new field", old: [bot()], new: [bot(["temperature": 0.2])], changed: ["b1": ["temperature"]]),
        Case(name: "100 and 100.0 are the same number", old: [bot()], new: [bot(["creditCost": 100.0])]),
        Case(name: "same id in two sources are two bots", old: [bot(source: "a")], new: [bot(source: "b")], added: ["b1"], removed: ["b1"]),
        Case(name: "slug reused by another id is not a rename", old: [bot("b1")], new: [bot("b2")], added: ["b2"], removed: ["b1"]),
    ]

    @Test("table", arguments: cases)
    func table(_ c: Case) {
        let changes = Differ(ignore: c.ignore).changes(from: c.old.map { Self.entry($0) }.sorted { $0.key < $1.key },
                                                       to: c.new.map { Self.entry($0) }.sorted { $0.key < $1.key })
        #expect(changes.added.map(\.id) == c.added)
        #expect(changes.removed.map(\.id) == c.removed)
        #expect(Dictionary(uniqueKeysWithValues: changes.changed.map { ($0.bot.id, $0.fields.map(\.path)) }) == c.changed)
    }

    @Test("a stale bot (its source failed) is neither changed nor removed")
    func stale() {
        let old = [Self.entry(Self.bot())]
        let new = [Self.entry(Self.bot(["creditCost": 5]), stale: true)]
        #expect(Differ().changes(from: old, to: new).isEmpty)
    }

    @Test("partial run then recovery: carried over while failing, removed once the source answers again")
    func partialThenRecovery() {
        let gone = Self.bot("gone", org: "org_b")
        let kept = Self.bot("kept", org: "org_a")
        let previous = Snapshot(takenAt: "2026-01-01T00:00:00Z", sources: [], entries: [Self.entry(gone), Self.entry(kept)])
        let failing = SourceFetch(status: SourceStatus(name: "unltd", platform: .unltd, state: .partial, problems: ["org_b failed"]), bots: [kept])
        let partial = CatalogMerger.merge(previous: previous, fetches: [failing], at: "2026-01-02T00:00:00Z")
        #expect(partial.entries.map(\.bot.id) == ["gone", "kept"])
        #expect(partial.entry(for: gone.key)?.stale == true)
        #expect(Differ().changes(from: previous, to: partial).isEmpty)

        let back = SourceFetch(status: SourceStatus(name: "unltd", platform: .unltd, state: .complete), bots: [kept])
        let recovered = CatalogMerger.merge(previous: partial, fetches: [back], at: "2026-01-03T00:00:00Z")
        #expect(Differ().changes(from: partial, to: recovered).removed.map(\.id) == ["gone"])
    }

    @Test("a GPTBots key answering 'bot deleted' removes its bot even when another key failed")
    func deletedWhilePartial() {
        var deleted = Self.bot("g1", source: "gptbots", org: nil)
        deleted.scope = "key:KEY_A"
        let previous = Snapshot(takenAt: "2026-01-01T00:00:00Z", sources: [], entries: [Self.entry(deleted)])
        let fetch = SourceFetch(status: SourceStatus(name: "gptbots", platform: .gptbots, state: .partial), bots: [], deletedScopes: ["key:KEY_A"])
        let merged = CatalogMerger.merge(previous: previous, fetches: [fetch], at: "2026-01-02T00:00:00Z")
        #expect(Differ().changes(from: previous, to: merged).removed.map(\.id) == ["g1"])
    }

    @Test("first seen is kept, last changed moves only when something changed")
    func stamps() {
        let previous = Snapshot(takenAt: "2026-01-01T00:00:00Z", sources: [], entries: [Self.entry(Self.bot("a")), Self.entry(Self.bot("b"))])
        let fetch = SourceFetch(status: SourceStatus(name: "unltd", platform: .unltd, state: .complete), bots: [Self.bot("a"), Self.bot("b", ["creditCost": 7])])
        var merged = CatalogMerger.merge(previous: previous, fetches: [fetch], at: "2026-01-02T00:00:00Z")
        CatalogMerger.stampChanges(&merged, Differ().changes(from: previous, to: merged))
        #expect(merged.entries.map(\.lastChanged) == ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"])
        #expect(merged.entries.map(\.firstSeen) == ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"])
        #expect(merged.entries.map(\.lastSeen) == ["2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z"])
    }

    @Test("line diff of long texts keeps context and marks edits")
    func lineDiff() {
        let before = "one\ntwo\nthree\nfour\nfive\nsix"
        let after = "one\ntwo\nTHREE\nfour\nfive\nsix\nseven"
        #expect(LineDiff.unified(LineDiff.lines(from: before, to: after), context: 1) ==
                ["  two", "- three", "+ THREE", "  four", "…", "  six", "+ seven"])
        #expect(FieldChange(path: "description", before: .string(before), after: .string(after)).isLongText)
    }

    @Test("lines are split on the bytes where the characters split them: at every LF but a CR LF's")
    func lineSplits() {
        var samples = ["", "\n", "\n\n", "a\r\nb", "\r\n\r\n", "\r", "a\rb\nc", "\n\u{301}x", "caf\u{e9}\n\u{1F469}\u{200D}\u{1F4BB}\nend\r"]
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "word", " ", "\n", "\r", "\r\n", "\u{301}", "\u{e9}", "\u{1F469}", "\u{200D}", "\u{2028}", "\u{85}", "\u{0b}", "\u{0c}"]
        for _ in 0..<1_000 {
            samples.append((0..<Int.random(in: 0...40, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in samples {
            #expect(LineDiff.splitLines(text) == text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), "\(text.debugDescription)")
        }
    }
}
