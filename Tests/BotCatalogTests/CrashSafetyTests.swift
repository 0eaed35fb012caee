import Foundation
import Testing

@testable import BotCatalog
@testable import BotCatalogMockAPI

/// The real executable, killed and overlapped as cron does to it.
@Suite("Crash safety and secrets, with the real binary", .serialized)
struct CrashSafetyTests {
    /// A synthetic catalog big enough that a run takes a while, so kills land in every step.
    static func harness(bots: Int = 2_000) async throws -> DemoHarness {
        let world = MockWorld.synthetic(bots: bots, organizations: 8, publicBots: 20, gptbotsKeys: 0)
        let h = try await DemoHarness(world: world, folder: try TestSupport.temporaryFolder(), extraConfig: "keep: 1000")
        // The synthetic world has no GPTBots keys: drop that source from the config.
        var config = try String(contentsOfFile: h.configPath, encoding: .utf8)
        config = String(config[..<config.range(of: "  - name: gptbots")!.lowerBound])
        config = config.replacingOccurrences(of: "pageSize: 4", with: "pageSize: 100")
        try config.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        return h
    }

    static func catalogIDs(_ site: String) throws -> [String] {
        try TestSupport.json("\(site)/catalog.json")["bots"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test("SIGKILL at random points, 12 times: the next run succeeds, snapshots and history stay readable, the site is the old or the new one")
    func killedRepeatedly() async throws {
        let h = try await Self.harness()
        defer { Task { await h.stop() } }
        let started = ContinuousClock.now
        let first = try BinaryRunner.run(["run", "--config", h.configPath], environment: h.environment, in: h.folder)
        // Kills land at random points of a run as long as this machine takes for one.
        let runMilliseconds = max(100, Int((ContinuousClock.now - started) / .milliseconds(1)))
        #expect(first.status == 0, "\(first.stderr)")
        let store = StateStore(folder: h.state)
        var rng = SeededGenerator(seed: 7)
        var kills = 0
        for round in 1...12 {
            // Each round the catalog changes a little, so every run has something to write.
            h.server.setWorld(.synthetic(bots: 2_000, organizations: 8, publicBots: 20, seed: 1, changedFraction: Double(round) / 100))
            let snapshotsBefore = store.snapshotPaths()
            let oldCatalog = try Self.catalogIDs(h.site)
            let (process, _, _) = try BinaryRunner.start(["run", "--config", h.configPath], environment: h.environment, in: h.folder)
            try await Task.sleep(for: .milliseconds(Int.random(in: (runMilliseconds / 50)...(runMilliseconds * 7 / 10), using: &rng)))
            if process.isRunning { kill(process.processIdentifier, SIGKILL); kills += 1 }
            process.waitUntilExit()

            // State: the newest snapshot and the whole history read cleanly.
            let latest = try #require(try store.latestSnapshot())
            _ = try store.history()
            #expect(store.snapshotPaths().count >= snapshotsBefore.count)
            // Site: a complete site, the old one or the one of the newest snapshot.
            let ids = try Self.catalogIDs(h.site)
            #expect(ids == oldCatalog || ids == latest.entries.map(\.bot.id), "round \(round): the site is neither the old nor the new one")
            for entry in try TestSupport.json("\(h.site)/catalog.json")["bots"]?.arrayValue ?? [] {
                let url = try #require(entry["url"]?.stringValue)
                #expect(FileManager.default.fileExists(atPath: "\(h.site)/\(url)"), "round \(round): \(url) missing")
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.folder).filter { $0.contains(".staging-") }
            #expect(leftovers.count <= 1, "at most the killed run's staging folder is left, until the next run")
        }
        #expect(kills >= 6, "too few kills landed mid-run (\(kills)); the run got too fast for this test")
        let last = try BinaryRunner.run(["run", "--config", h.configPath], environment: h.environment, in: h.folder)
        #expect([0, 1].contains(last.status), "\(last.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: h.folder).filter { $0.contains(".staging-") }.isEmpty)
        #expect(try Self.catalogIDs(h.site) == (try store.latestSnapshot())?.entries.map(\.bot.id))
        print("crash safety: \(kills) SIGKILLs survived")
    }

    @Test("two runs started together on the same state: the second exits 4 with a clear message, or waits with --wait")
    func overlap() async throws {
        let h = try await Self.harness(bots: 300)
        defer { Task { await h.stop() } }
        // Slow the first run down: every page takes 0.3 s.
        h.server.setFaults([MockFault(path: "*", times: .max, action: .delay(.milliseconds(300)))])
        let (first, _, _) = try BinaryRunner.start(["run", "--config", h.configPath], environment: h.environment, in: h.folder)
        // Start the second run once the first holds the lock (it writes its pid into the lock file).
        for _ in 0..<600 {
            if (try? String(contentsOfFile: "\(h.state)/lock", encoding: .utf8))?.contains("pid \(first.processIdentifier) ") == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let second = try BinaryRunner.run(["run", "--config", h.configPath], environment: h.environment, in: h.folder)
        #expect(second.status == 4)
        #expect(second.stderr.contains("another botcatalog run is using this state folder"), "\(second.stderr)")
        let waiting = try BinaryRunner.run(["run", "--config", h.configPath, "--wait", "60"], environment: h.environment, in: h.folder)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(waiting.status == 0, "\(waiting.stderr)")
        #expect(StateStore(folder: h.state).snapshotPaths().count == 2)
    }

    @Test("a distinctive token appears in no file under output or state, no log line, no report")
    func secrets() async throws {
        let token = "tok-SECRET-7f3a9c1e-do-not-leak"
        var world = MockWorld.demo(day: 1)
        world.unltdToken = token
        let h = try await DemoHarness(world: world, folder: try TestSupport.temporaryFolder())
        defer { Task { await h.stop() } }
        var env = h.environment
        env["DEMO_UNLTD_TOKEN"] = token
        // One organization fails, so error paths are exercised too; the server echoes nothing secret, but we check anyway.
        h.server.setFaults([MockFault(path: "/unltd/v1/organizations/org_sales/bots", times: .max, action: .status(403, body: "{\"message\":\"token \(token) is not a member\"}"))])
        let run = try BinaryRunner.run(["run", "--config", h.configPath, "--verbose", "--report", "r.md", "--report-json", "r.json"], environment: env, in: h.folder)
        #expect(run.status == 3, "\(run.stderr)")
        #expect(!run.stdout.contains(token) && !run.stderr.contains(token))
        #expect(run.stderr.contains("GET /unltd/v1/organizations/org_sales/bots/"))
        var checked = 0
        for (path, data) in TestSupport.files(under: h.folder) where !path.hasSuffix("botcatalog.yml") {
            #expect(!String(decoding: data, as: UTF8.self).contains(token), "\(path) contains the token")
            checked += 1
        }
        #expect(checked > 20)
    }

    @Test("the demo command leaves a site whose changelog shows the day-2 changes")
    func demoCommand() throws {
        let folder = try TestSupport.temporaryFolder()
        let run = try BinaryRunner.run(["demo", "--report", "day2.md"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 added, 2 removed, 4 changed (1 renamed, 1 moved)"))
        let changelog = try String(contentsOfFile: "\(folder)/site/changelog.html", encoding: .utf8)
        #expect(changelog.contains("Quote Explainer"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/day2.md"))
    }
}
