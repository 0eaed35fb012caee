import Foundation
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

/// The executable's commands and exit codes, as a user or cron sees them.
@Suite("Command line", .serialized)
struct CommandLineTests {
    @Test("usage and config errors exit 2 with one clear line")
    func usageErrors() throws {
        let folder = try TestSupport.temporaryFolder()
        let unknown = try BinaryRunner.run(["run", "--bogus"], in: folder)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Unknown option '--bogus'"))
        let missing = try BinaryRunner.run(["run", "--config", "nope.yml"], in: folder)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yml: cannot read the config file"))
        try "sources:\n  - name: a\n    platform: unltd\n    url: https://x.example/v1\n    tokenenv: T\n".write(toFile: "\(folder)/c.yml", atomically: true, encoding: .utf8)
        let typo = try BinaryRunner.run(["run", "--config", "c.yml"], in: folder)
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("sources[0].tokenenv: unknown key; did you mean \"tokenEnv\"?"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["c.yml"])
    }

    @Test("`diff` compares two snapshots offline; `history` prints one bot's timeline")
    func diffAndHistory() async throws {
        let h = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await h.stop() } }
        _ = try await h.run(day: 1)
        h.server.setWorld(.demo(day: 2))
        _ = try await h.run(day: 2)
        let snapshots = StateStore(folder: h.state).snapshotPaths()

        let diff = try BinaryRunner.run(["diff", snapshots[0], snapshots[1], "--report-json", "d.json", "--exit-code"], in: h.folder)
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("2 added, 2 removed, 4 changed (1 renamed, 1 moved)"))
        let json = try TestSupport.json("\(h.folder)/d.json")
        #expect(json["added"]?.arrayValue?.count == 2)
        let ignoring = try BinaryRunner.run(["diff", snapshots[0], snapshots[1], "--ignore", "creditCost,modelKey,inputs"], in: h.folder)
        #expect(!ignoring.stdout.contains("creditCost"))
        let same = try BinaryRunner.run(["diff", snapshots[1], snapshots[1], "--exit-code"], in: h.folder)
        #expect(same.status == 0)
        #expect(same.stdout == "No changes in botcatalog diff at 2026-01-06T09:00:00Z.\n")

        let history = try BinaryRunner.run(["history", "pricing_explainer", "--config", h.configPath], in: h.folder)
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("Quote Explainer (unltd/\(MockDemo.day2Changes.renamed.botID))"))
        #expect(history.stdout.contains("2026-01-05T09:00:00Z  added as \"Pricing Explainer\""))
        #expect(history.stdout.contains("name: Pricing Explainer → Quote Explainer"))
        let unknown = try BinaryRunner.run(["history", "no-such-bot", "--config", h.configPath], in: h.folder)
        #expect(unknown.status == 2)
    }
}
