import Foundation
import Testing

@testable import BotCatalog
@testable import BotCatalogMockAPI

/// botcatalog against servers and disks it does not control.
@Suite("Hostile world", .serialized)
struct HostileWorldTests {
    @Test("load: 50,000 bots over 100 organizations through random 5xx, resets, slow answers and 429s: the exact catalog, bounded memory")
    func load() async throws {
        let world = MockWorld.synthetic(bots: 50_000, organizations: 100, seed: 11)
        let server = MockAPIServer(world: world, faults: [
            MockFault(path: "/unltd/v1/organizations/*", times: .max, probability: 0.05, action: .status(503)),
            MockFault(path: "/unltd/v1/organizations/*", times: .max, probability: 0.03, action: .reset),
            MockFault(path: "/unltd/v1/organizations/*", times: .max, probability: 0.03, action: .tooManyRequests(retryAfter: "0")),
            MockFault(path: "/unltd/v1/organizations/*", times: .max, probability: 0.05, action: .delay(.milliseconds(150))),
            MockFault(path: "/unltd/v1/organizations/*", times: .max, probability: 0.02, action: .truncate),
        ], faultSeed: 99)
        _ = try await server.start()
        defer { Task { try? await server.stop() } }
        let source = SourceConfig(name: "unltd", platform: .unltd, url: server.unltdURL, tokenEnv: "T",
                                  organizations: world.organizations.map(\.id), pageSize: 100, retries: 8, retryDelay: 0.01)
        let config = CatalogConfig(output: "/tmp/unused-site", state: "/tmp/unused-state", concurrency: 8, sources: [source])
        let credentials = Credentials(tokens: ["unltd": Secret(world.unltdToken, variable: "T")], keys: [:])
        let fetches = await CatalogFetcher(config: config, credentials: credentials).fetchAll()
        let fetch = try #require(fetches.first)
        #expect(fetch.status.state == .complete, "\(fetch.status.problems)")
        let expected = Set(world.organizations.flatMap { $0.bots.compactMap { $0["id"]?.stringValue } })
        #expect(fetch.bots.count == 50_000)
        #expect(Set(fetch.bots.map(\.id)) == expected)
        let faults = server.requests.filter { $0.status != 200 }.count
        #expect(faults > 20, "the faults did fire (\(faults) of \(server.requests.count) requests)")
        #expect(fetch.status.retries > 0)
        // Bounded memory: the whole test process, catalog and server included, stays well under 2 GB.
        #expect(Self.peakMemoryMB < 2_048)
        print("load: 50,000 bots exact through \(faults) faulty answers in \(server.requests.count) requests; peak \(Int(Self.peakMemoryMB)) MB")
    }

    static var peakMemoryMB: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    @Test("an unwritable output or state: one clear line, nothing written", arguments: [
        ("output: /proc/botcatalog-nope/site", "output", "does not exist"),
        ("state: blocker/state", "state", "cannot create the folder"),
        ("output: blocker/site", "output", "does not exist"),
    ])
    func unwritable(setting: String, key: String, reason: String) async throws {
        let folder = try TestSupport.temporaryFolder()
        let h = try await DemoHarness(folder: folder)
        defer { Task { await h.stop() } }
        try "a file, not a folder".write(toFile: "\(folder)/blocker", atomically: true, encoding: .utf8)
        var config = try String(contentsOfFile: h.configPath, encoding: .utf8)
        let line = setting.hasPrefix("output") ? "output: site" : "state: state"
        config = config.replacingOccurrences(of: line, with: setting)
        try config.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        do {
            _ = try await h.run(day: 1)
            Issue.record("ran with an unwritable \(key)")
        } catch {
            #expect(error.status == .failed)
            #expect(error.message.contains(reason), "\(error)")
            #expect(!error.message.contains("\n"))
        }
        #expect(h.server.requests.isEmpty, "nothing was fetched")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == ["botcatalog.yml", "blocker"])
    }

    @Test("an output folder botcatalog did not make is never replaced")
    func foreignOutput() async throws {
        let folder = try TestSupport.temporaryFolder()
        let h = try await DemoHarness(folder: folder)
        defer { Task { await h.stop() } }
        try FileManager.default.createDirectory(atPath: h.site, withIntermediateDirectories: true)
        try "precious".write(toFile: "\(h.site)/notes.txt", atomically: true, encoding: .utf8)
        do {
            _ = try await h.run(day: 1)
            Issue.record("replaced a foreign folder")
        } catch {
            #expect(error.message.contains("was not made by botcatalog"))
        }
        #expect(try String(contentsOfFile: "\(h.site)/notes.txt", encoding: .utf8) == "precious")
        #expect(!FileManager.default.fileExists(atPath: "\(h.state)/snapshots"))
    }

    @Test("fuzz: 3,000 mutated snapshot files are read or refused with the file named, never a crash, never a misread")
    func snapshotFuzz() async throws {
        let h = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await h.stop() } }
        _ = try await h.run(day: 1)
        let store = StateStore(folder: h.state)
        let path = try #require(store.snapshotPaths().last)
        let original = try #require(FileManager.default.contents(atPath: path))
        let good = try store.readSnapshot(at: path)
        var rng = SeededGenerator(seed: 42)
        var refused = 0, read = 0
        let target = "\(h.folder)/fuzz.json"
        for _ in 0..<3_000 {
            var bytes = [UInt8](original)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0...2, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...40, using: &rng)))
                default: bytes = Array(bytes[..<i])
                }
                if bytes.isEmpty { break }
            }
            #expect(FileManager.default.createFile(atPath: target, contents: Data(bytes)))
            do {
                let snapshot = try store.readSnapshot(at: target)
                read += 1
                // What is read is a snapshot; a mutation inside a string value can change that value, never the shape.
                #expect(snapshot.entries.count <= good.entries.count + 1)
            } catch {
                refused += 1
                #expect(error.file == target)
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(refused > 2_000)
        print("snapshot fuzz: \(refused) refused with the file named, \(read) still valid")
    }
}
