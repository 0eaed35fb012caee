import Foundation
import Testing

@testable import BotCatalog

/// The change reports cron mails or posts, checked against golden files.
@Suite("Change reports")
struct ReportTests {
    static let changes: ChangeSet = {
        let added = BotRef(source: "unltd", id: "a1", name: "Renewal Reminder", slug: "renewal_reminder", organization: "org_sales")
        let removed = DiffTests.bot("r1", ["name": "Objection [Handler](javascript:x)", "slug": "objection_handler"])
        let changed = [
            BotChange(bot: BotRef(source: "unltd", id: "c1", name: "Quote Explainer", slug: "quote_explainer", organization: "org_sales"),
                      previousName: "Pricing Explainer",
                      fields: [FieldChange(path: "name", before: "Pricing Explainer", after: "Quote Explainer"),
                               FieldChange(path: "slug", before: "pricing_explainer", after: "quote_explainer")]),
            BotChange(bot: BotRef(source: "unltd", id: "c2", name: "Proposal Drafter", slug: "proposal_drafter", organization: "org_sales"),
                      fields: [FieldChange(path: "creditCost", before: 100, after: 250),
                               FieldChange(path: "description", before: "Drafts proposals.\nUses the `CRM`.\nKeeps it short.",
                                           after: "Drafts proposals.\nUses the ```CRM``` and notes.\nKeeps it short."),
                               FieldChange(path: "inputs[2]", before: nil, after: ["name": "tone"]),
                               FieldChange(path: "organization", before: "org_support", after: "org_sales")]),
        ]
        return ChangeSet(added: [added], removed: [removed], changed: changed)
    }()

    static let sources = [SourceStatus(name: "gptbots", platform: .gptbots, state: .complete, requests: 2, bots: 1),
                          SourceStatus(name: "unltd", platform: .unltd, state: .complete, requests: 7, bots: 18)]

    @Test("Markdown report: summary, then Added / Removed / Changed with field changes and line diffs")
    func markdown() throws {
        let report = ChangeReport(title: "Acme bots", at: "2026-01-06T09:00:00Z", changes: Self.changes, sources: Self.sources,
                                  baseURL: "https://docs.example.com/bots/", botPaths: [BotKey(source: "unltd", id: "a1"): "bots/unltd/renewal-reminder.html"])
        try TestSupport.assertGolden(report.markdown(), "report.md")
        #expect(report.summaryLine(botCount: 19) == "Acme bots: 1 added, 1 removed, 2 changed (1 renamed, 1 moved) — 19 bots")
    }

    @Test("bot names cannot inject links or HTML into the Markdown report")
    func escaping() {
        let md = ChangeReport(title: "t", at: "x", changes: Self.changes, sources: Self.sources).markdown()
        #expect(md.contains("Objection \\[Handler\\](javascript:x)"))
        // Rendered by cmark, the escaped name stays text.
        #expect(!CommonMark.html(md).contains("href=\"javascript"))
    }

    @Test("a partial run says which source failed and that nothing was reported removed for it")
    func partial() throws {
        let failing = [SourceStatus(name: "unltd", platform: .unltd, state: .partial,
                                    problems: ["source unltd, organization org_b: access denied (HTTP 403); check membership"])]
        let report = ChangeReport(title: "Acme bots", at: "2026-01-06T09:00:00Z", changes: ChangeSet(), sources: failing)
        try TestSupport.assertGolden(report.markdown(), "report-partial.md")
        #expect(report.summaryLine(botCount: 3).contains("PARTIAL: unltd partial"))
    }

    @Test("no changes: one line, so a cron wrapper can tell")
    func nothing() {
        let report = ChangeReport(title: "Acme bots", at: "2026-01-06T09:00:00Z", changes: ChangeSet(), sources: Self.sources)
        #expect(report.markdown() == "No changes in Acme bots at 2026-01-06T09:00:00Z.\n")
    }

    @Test("JSON report keeps the contract: added/removed/changed with id, source, name; fields with path, before, after")
    func json() throws {
        let report = ChangeReport(title: "Acme bots", at: "2026-01-06T09:00:00Z", changes: Self.changes, sources: Self.sources)
        try TestSupport.assertGolden(JSONWriter.string(report.json()), "report.json")
        let value = report.json()
        #expect(value["changed"]?.arrayValue?[1]["fields"]?.arrayValue?[2] == ["path": "inputs[2]", "after": ["name": "tone"]])
    }
}
