import Foundation
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

/// The whole batch job over real loopback HTTP against the stand-in API: fetch, snapshot,
/// diff, site, reports, as a cron job would run it day after day.
@Suite("Pipeline end to end", .serialized)
struct PipelineEndToEndTests {
    let demo = MockDemo.day2Changes

    @Test("day 1 then day 2 of the demo: the report, catalog.json and the site tell what changed")
    func demoTwoDays() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }

        let day1 = try await harness.run(day: 1)
        #expect(day1.status == .done)
        #expect(day1.changes.added.count == 19)
        #expect(day1.changes.removed.isEmpty && day1.changes.changed.isEmpty)

        harness.server.setWorld(.demo(day: 2))
        let day2 = try await harness.run(day: 2)
        #expect(day2.status == .done)
        let changes = day2.changes
        #expect(Set(changes.added.map(\.id)) == Set(demo.addedBotIDs))
        // The removed unltd bot, and the GPTBots bot whose key now answers 20059.
        #expect(changes.removed.count == 2)
        #expect(changes.removed.contains { $0.id == demo.removedBotIDs[0] })
        #expect(changes.removed.contains { $0.source == "gptbots" })

        let byID = Dictionary(uniqueKeysWithValues: changes.changed.map { ($0.bot.id, $0) })
        let renamed = try #require(byID[demo.renamed.botID])
        #expect(renamed.isRenamed && !renamed.isMoved)
        #expect(renamed.previousName == demo.renamed.oldName)
        #expect(renamed.fields.map(\.path) == ["name", "slug"])
        let moved = try #require(byID[demo.moved.botID])
        #expect(moved.fields == [FieldChange(path: "organization", before: .string(demo.moved.fromOrganizationID), after: .string(demo.moved.toOrganizationID))])
        let drafter = try #require(byID[demo.changedBotIDs[1]])
        #expect(drafter.fields.map(\.path) == ["creditCost", "inputs[1].type", "modelKey"])
        let writer = try #require(byID[demo.changedBotIDs[0]])
        #expect(writer.fields.map(\.path) == ["description"])
        #expect(changes.changed.count == 4)

        // The JSON report keeps the contract.
        let report = try TestSupport.json("\(harness.folder)/report-2.json")
        #expect(report["added"]?.arrayValue?.count == 2)
        #expect(report["removed"]?.arrayValue?.count == 2)
        for entry in (report["added"]?.arrayValue ?? []) + (report["removed"]?.arrayValue ?? []) + (report["changed"]?.arrayValue ?? []) {
            #expect(entry["id"]?.stringValue != nil && entry["source"]?.stringValue != nil && entry["name"]?.stringValue != nil)
        }
        let reportedMove = report["changed"]?.arrayValue?.first { $0["id"] == .string(demo.moved.botID) }
        #expect(reportedMove?["fields"] == .array([.object(["path": "organization", "before": "org_support", "after": "org_sales"])]))

        // catalog.json lists every bot with the contract's fields.
        let catalog = try TestSupport.json("\(harness.site)/catalog.json")
        let bots = try #require(catalog["bots"]?.arrayValue)
        #expect(bots.count == day2.snapshot.entries.count)
        for bot in bots {
            for key in ["id", "source", "name", "slug"] { #expect(bot[key]?.stringValue != nil, "catalog.json bot lacks \(key)") }
            #expect(bot["organization"] != nil)
        }
        #expect(bots.first { $0["id"] == .string(demo.renamed.botID) }?["slug"] == .string(demo.renamed.newSlug))

        // The site: an index, a page per bot (tombstones too), and a changelog with both runs.
        let changelog = try String(contentsOfFile: "\(harness.site)/changelog.html", encoding: .utf8)
        #expect(changelog.contains("Quote Explainer") && changelog.contains("Pricing Explainer"))
        #expect(changelog.contains("inputs[1].type"))
        #expect(changelog.components(separatedBy: "<article").count - 1 == 2)
        let pages = TestSupport.files(under: harness.site).keys.filter { $0.hasPrefix("bots/") }
        #expect(pages.count == day2.snapshot.entries.count + 2)
        #expect(FileManager.default.fileExists(atPath: "\(harness.site)/index.html"))
        #expect(FileManager.default.fileExists(atPath: "\(harness.site)/feed.xml"))
    }

    @Test("a run with nothing changed: one-line report, no history entry, exit 0 even with --exit-code")
    func quietWhenNothingChanged() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        _ = try await harness.run(day: 1)
        let again = try await harness.run(day: 2, exitCode: true)
        #expect(again.status == .done)
        #expect(again.changes.isEmpty)
        let markdown = try String(contentsOfFile: "\(harness.folder)/report-2.md", encoding: .utf8)
        #expect(markdown == "No changes in Demo bot catalog at 2026-01-06T09:00:00Z.\n")
        #expect(try StateStore(folder: harness.state).history().count == 1)
        #expect(try StateStore(folder: harness.state).snapshotPaths().count == 2)

        harness.server.setWorld(.demo(day: 2))
        let changed = try await harness.run(day: 3, exitCode: true)
        #expect(changed.status == .changed)
    }

    @Test("a failing organization: exit 3, its bots carried over as stale, nothing reported removed; removals show once it is back")
    func partialRunThenRecovery() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        _ = try await harness.run(day: 1)
        let salesBots = Set(MockWorld.demo(day: 1).organization(id: "org_sales")?.bots.compactMap { $0["id"]?.stringValue } ?? [])
        #expect(!salesBots.isEmpty)

        // Day 2 data, but org_sales answers 500 forever: the removed Objection Handler was in org_sales.
        harness.server.setWorld(.demo(day: 2))
        harness.server.setFaults([MockFault(path: "/unltd/v1/organizations/org_sales/bots", times: .max, action: .status(500))])
        let partial = try await harness.run(day: 2)
        #expect(partial.status == .partial)
        #expect(!partial.changes.removed.contains { $0.source == "unltd" })
        let unltd = try #require(partial.snapshot.sources.first { $0.name == "unltd" })
        #expect(unltd.state == .partial)
        #expect(unltd.problems.contains { $0.contains("organization org_sales") })
        let stale = partial.snapshot.entries.filter(\.stale).map(\.bot.id)
        #expect(stale.contains(demo.removedBotIDs[0]))
        let markdown = try String(contentsOfFile: "\(harness.folder)/report-2.md", encoding: .utf8)
        #expect(markdown.contains("carried over"))
        let page = try String(contentsOfFile: "\(harness.site)/bots/unltd/objection-handler.html", encoding: .utf8)
        #expect(page.contains("could not be fully fetched"))

        // org_sales is back: now Objection Handler is really gone.
        harness.server.setFaults([])
        let recovered = try await harness.run(day: 3)
        #expect(recovered.status == .done)
        #expect(recovered.changes.removed.map(\.id).contains(demo.removedBotIDs[0]))
        #expect(recovered.snapshot.entries.allSatisfy { !$0.stale })
    }

    @Test("every source failing: exit 4, the published site and the state are untouched")
    func everythingFails() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        _ = try await harness.run(day: 1)
        let siteBefore = TestSupport.files(under: harness.site)
        let stateBefore = TestSupport.files(under: "\(harness.state)/snapshots")
        harness.server.setFaults([MockFault(path: "*", times: .max, action: .status(503))])
        do {
            _ = try await harness.run(day: 2)
            Issue.record("expected the run to fail")
        } catch {
            #expect(error.status == .failed)
            #expect(error.description.contains("every source failed"))
        }
        #expect(TestSupport.files(under: harness.site) == siteBefore)
        #expect(TestSupport.files(under: "\(harness.state)/snapshots") == stateBefore)
    }

    @Test("a config error: exit 2, nothing fetched, nothing written")
    func configError() async throws {
        let folder = try TestSupport.temporaryFolder()
        try "title: x\nsources:\n  - name: a\n    platform: unltd\n    url: http://127.0.0.1:9/v1\n    tokenEnv: NOT_SET_ANYWHERE\n    public: true\n"
            .write(toFile: "\(folder)/botcatalog.yml", atomically: true, encoding: .utf8)
        do {
            _ = try await Pipeline(logger: TestSupport.quietLogger).run(RunRequest(configPath: "\(folder)/botcatalog.yml", environment: [:]))
            Issue.record("expected a config error")
        } catch {
            #expect(error.status == .usage)
            #expect(error.description.contains("NOT_SET_ANYWHERE"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["botcatalog.yml"])
    }

    @Test("the same input gives byte-identical output")
    func deterministic() async throws {
        var sites: [[String: Data]] = []
        var reports: [String] = []
        for _ in 0..<2 {
            let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
            _ = try await harness.run(day: 1)
            harness.server.setWorld(.demo(day: 2))
            _ = try await harness.run(day: 2)
            sites.append(TestSupport.files(under: harness.site))
            reports.append(try String(contentsOfFile: "\(harness.folder)/report-2.md", encoding: .utf8))
            await harness.stop()
        }
        #expect(sites[0].keys.sorted() == sites[1].keys.sorted())
        for (path, data) in sites[0] { #expect(sites[1][path] == data, "\(path) differs between identical runs") }
        #expect(reports[0] == reports[1])
    }

    @Test("incremental: a run with nothing changed rewrites no bot page, and unchanged files keep their inode and mtime")
    func incremental() async throws {
        let harness = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await harness.stop() } }
        _ = try await harness.run(day: 1)
        let page = "\(harness.site)/bots/unltd/support-triage.html"
        let before = try FileManager.default.attributesOfItem(atPath: page)
        let again = try await harness.run(day: 2)
        let after = try FileManager.default.attributesOfItem(atPath: page)
        #expect(before[.systemFileNumber] as? Int == after[.systemFileNumber] as? Int)
        #expect(before[.modificationDate] as? Date == after[.modificationDate] as? Date)
        #expect(again.site.botPages == 19)
        #expect(again.site.botPagesRendered == 0)
        // index and changelog say when the catalog was last checked, so they do change.
        #expect(try String(contentsOfFile: "\(harness.site)/changelog.html", encoding: .utf8).contains("2026-01-06"))

        // A page that no longer exists is removed from the site.
        var world = MockWorld.demo(day: 1)
        world.publicBots.removeAll { $0["slug"]?.stringValue == "grammar_coach" }
        harness.server.setWorld(world)
        _ = try await harness.run(day: 3)
        #expect(FileManager.default.fileExists(atPath: "\(harness.site)/bots/unltd/grammar-coach.html"), "removed bots keep a tombstone page")
    }

    @Test("a long run (an initial import) is cut on the changelog page and listed whole on its own page")
    func longRun() async throws {
        let h = try await CrashSafetyTests.harness(bots: 150)
        defer { Task { await h.stop() } }
        _ = try await h.run(day: 1)
        let changelog = try String(contentsOfFile: "\(h.site)/changelog.html", encoding: .utf8)
        #expect(changelog.contains("70 more in this check"), "150 organization bots and 20 public ones, 100 shown")
        let runPage = "\(h.site)/changelog/run-2026-01-05T09-00-00Z.html"
        let full = try String(contentsOfFile: runPage, encoding: .utf8)
        #expect(full.components(separatedBy: "<li><a href=\"../bots/").count - 1 == 170)
        #expect(changelog.components(separatedBy: "<li><a href=\"bots/").count - 1 == 100)
    }
}
