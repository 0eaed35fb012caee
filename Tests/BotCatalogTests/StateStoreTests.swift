import Foundation
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

/// The state folder: snapshots and history that a cron job can trust.
@Suite("State store", .serialized)
struct StateStoreTests {
    static func snapshot(_ at: String, bots: [String] = ["a", "b"]) -> Snapshot {
        Snapshot(takenAt: at, sources: [SourceStatus(name: "unltd", platform: .unltd, state: .complete, requests: 3, bots: bots.count)],
                 entries: bots.map { DiffTests.entry(DiffTests.bot($0)) })
    }

    @Test("a snapshot round-trips through its file, pretty and key-sorted")
    func roundTrip() throws {
        let store = StateStore(folder: try TestSupport.temporaryFolder())
        let snap = Self.snapshot("2026-01-01T00:00:00Z")
        try store.commit(snap, history: nil)
        #expect(try store.latestSnapshot() == snap)
        let text = try String(contentsOfFile: store.snapshotPaths()[0], encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"bots\": [\n"))
        #expect(text.contains("\"format\": \"botcatalog-snapshot\""))
    }

    @Test("old snapshots are pruned to `keep`; history is kept whole")
    func retention() throws {
        let store = StateStore(folder: try TestSupport.temporaryFolder(), keep: 3)
        for day in 1...5 {
            let at = "2026-01-0\(day)T00:00:00Z"
            try store.commit(Self.snapshot(at), history: HistoryEntry(at: at, changes: ChangeSet(added: [BotRef(DiffTests.bot())])))
        }
        #expect(store.snapshotPaths().map { ($0 as NSString).lastPathComponent } == ["2026-01-03T00-00-00Z.json", "2026-01-04T00-00-00Z.json", "2026-01-05T00-00-00Z.json"])
        #expect(try store.history().count == 5)
    }

    @Test("a history entry read from its file carries the print its run filed it with, so the next run digests it the same; an entry changed since drops the print, and digests as what it holds")
    func historyFilePrint() throws {
        let store = StateStore(folder: try TestSupport.temporaryFolder())
        let at = "2026-01-01T00:00:00Z"
        let filed = HistoryFile(HistoryEntry(at: at, changes: ChangeSet(added: [BotRef(DiffTests.bot("a")), BotRef(DiffTests.bot("b"))])))
        try store.commit(Self.snapshot(at), historyFile: filed)
        let read = try #require(try store.history().first)
        #expect(read == filed.entry && read.filePrint != nil && read.filePrint == filed.entry.filePrint)
        #expect(FileManager.default.contents(atPath: "\(store.historyFolder)/2026-01-01T00-00-00Z.json") == filed.data)

        func digest(_ history: [HistoryEntry]) -> InputDigest {
            InputDigest(SiteInput(title: "t", baseURL: nil, snapshot: Self.snapshot(at), history: history), templateHash: "x")
        }
        #expect(digest([read]) == digest([filed.entry]), "the run that files an entry and the runs that read it make one digest")

        var changed = read
        changed.changes.added.removeLast()
        #expect(changed.filePrint == nil, "changed, the entry no longer is its file")
        #expect(digest([changed]) != digest([read]) && digest([changed]) == digest([HistoryEntry(at: at, changes: changed.changes)]))
        var moved = read
        moved.at = "2026-01-02T00:00:00Z"
        #expect(moved.filePrint == nil && digest([moved]) != digest([read]))
        let other = HistoryFile(HistoryEntry(at: at, changes: ChangeSet(added: [BotRef(DiffTests.bot("a"))])))
        #expect(other.entry.filePrint != filed.entry.filePrint && digest([other.entry]) != digest([filed.entry]))
    }

    @Test("a damaged or hand-broken snapshot is an error naming the file, and nothing is destroyed", arguments: [
        ("{\"format\": \"botcatalog-snapshot\", \"version\": 1, \"takenAt\": \"x\", \"sources\": [], \"bots\": [{\"id\": 1}]}", "bots[0]"),
        ("{\"format\": \"botcatalog-snapshot\", \"version\": 1, \"takenAt\"", "damaged"),
        ("{\"format\": \"something-else\"}", "not a botcatalog snapshot"),
        ("{\"format\": \"botcatalog-snapshot\", \"version\": 99, \"takenAt\": \"x\", \"sources\": [], \"bots\": []}", "newer botcatalog"),
    ])
    func damaged(text: String, reason: String) throws {
        let store = StateStore(folder: try TestSupport.temporaryFolder())
        try store.commit(Self.snapshot("2026-01-01T00:00:00Z"), history: nil)
        let bad = "\(store.snapshotsFolder)/2026-01-02T00-00-00Z.json"
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            _ = try store.latestSnapshot()
            Issue.record("read a damaged snapshot")
        } catch {
            #expect(error.file == bad)
            #expect(error.reason.contains(reason), "\(error)")
        }
        #expect(store.snapshotPaths().count == 2)
        #expect(try String(contentsOfFile: bad, encoding: .utf8) == text)
    }

    @Test("history written by a run that died before its snapshot is not part of the changelog")
    func uncommittedHistory() throws {
        let store = StateStore(folder: try TestSupport.temporaryFolder())
        try store.commit(Self.snapshot("2026-01-01T00:00:00Z"), history: HistoryEntry(at: "2026-01-01T00:00:00Z", changes: ChangeSet(added: [BotRef(DiffTests.bot())])))
        let orphan = HistoryEntry(at: "2026-01-02T00:00:00Z", changes: ChangeSet(removed: [DiffTests.bot()]))
        try AtomicFile.write(JSONWriter.data(StateCodec.json(orphan)), to: "\(store.historyFolder)/2026-01-02T00-00-00Z.json")
        #expect(try store.history().map(\.at) == ["2026-01-01T00:00:00Z"])
        // The next commit clears it away.
        try store.commit(Self.snapshot("2026-01-03T00:00:00Z"), history: nil)
        #expect(!FileManager.default.fileExists(atPath: "\(store.historyFolder)/2026-01-02T00-00-00Z.json"))
    }

    @Test("one run at a time: a second lock on the same state waits or fails with a clear message; a dead holder leaves no lock")
    func lock() throws {
        let folder = try TestSupport.temporaryFolder()
        var first: RunLock? = try RunLock.acquire(stateFolder: folder)
        #expect(first != nil)
        do {
            _ = try RunLock.acquire(stateFolder: folder, wait: 0.3)
            Issue.record("two runs held the lock")
        } catch {
            #expect(error.reason.contains("another botcatalog run is using this state folder"))
            #expect(error.reason.contains("pid \(getpid())"))
        }
        first = nil
        #expect(throws: Never.self) { _ = try RunLock.acquire(stateFolder: folder) }
    }

    @Test("atomic writes: a file is either the old one or the new one")
    func atomicWrite() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = "\(folder)/x.json"
        try AtomicFile.write(Data("old".utf8), to: path)
        try AtomicFile.write(Data("new".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["x.json"])
        #expect(throws: StoreError.self) { try AtomicFile.write(Data(), to: "/proc/botcatalog-cannot-write/x") }
    }

    @Test("a prepared file replaces its target only when committed, once; discarded or dropped uncommitted, it leaves nothing behind")
    func preparedWrite() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = "\(folder)/x.cache"
        try AtomicFile.write(Data("old".utf8), to: path)
        let prepared = try AtomicFile.prepare(to: path) { $0.write("new") }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old", "not replaced before its turn")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 2, "the new file waits beside it")
        try prepared.commit()
        try prepared.commit()
        prepared.discard()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["x.cache"])

        try AtomicFile.prepare(to: path) { $0.write("dropped") }.discard()
        do { _ = try AtomicFile.prepare(to: path) { $0.write("dropped too") } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["x.cache"], "no temporary file left")
        // Relative and dotted paths land where the kernel would put them.
        #expect(AtomicFile.standardized("/a/./b/../c.json") == "/a/c.json")
        #expect(AtomicFile.standardized("/state/site-manifest.json") == "/state/site-manifest.json")
        #expect(AtomicFile.standardized("x.json") == FileManager.default.currentDirectoryPath + "/x.json")
    }

    @Test("a file written in pieces of every size, into a folder made for it, holds the pieces in order")
    func atomicWriteInPieces() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = "\(folder)/new/deeper/pieces.bin"
        // Small pieces gathered, pieces at and around the buffer's size, and one of 3 MB.
        let sizes = [0, 1, 7, 65_535, 65_536, 65_537, 12, 3 << 20, 40_000, 30_000, 1]
        let pieces = sizes.enumerated().map { n, size in [UInt8](repeating: UInt8(n + 1), count: size) }
        try AtomicFile.write(to: path) { sink in
            for piece in pieces { piece.withUnsafeBytes { sink.write($0) } }
            sink.write("end")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(pieces.joined()) + Data("end".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/new/deeper") == ["pieces.bin"], "no temporary file left")
    }

    @Test("a folder's names are all its entries but . and ..; a folder that is not there has none")
    func folderNames() throws {
        let folder = try TestSupport.temporaryFolder()
        #expect(FolderNames.of(folder).isEmpty)
        for name in ["a.html", ".hidden", "é ü.txt", ".site.staging-12"] { try Data().write(to: URL(fileURLWithPath: "\(folder)/\(name)")) }
        try FileManager.default.createDirectory(atPath: "\(folder)/sub", withIntermediateDirectories: false)
        #expect(FolderNames.of(folder).sorted() == [".hidden", ".site.staging-12", "a.html", "sub", "é ü.txt"])
        #expect(FolderNames.of("\(folder)/missing").isEmpty && FolderNames.of("\(folder)/a.html").isEmpty)
    }

    @Test("diffing snapshot files without loading them finds exactly what the in-memory diff finds")
    func fileDiffMatchesDiff() async throws {
        let h = try await DemoHarness(folder: try TestSupport.temporaryFolder())
        defer { Task { await h.stop() } }
        _ = try await h.run(day: 1)
        h.server.setWorld(.demo(day: 2))
        // A partial day 2 too, so stale entries are in the file.
        h.server.setFaults([MockFault(path: "/unltd/v1/organizations/org_research/bots", times: .max, action: .status(500))])
        _ = try await h.run(day: 2)
        h.server.setFaults([])
        _ = try await h.run(day: 3)
        let store = StateStore(folder: h.state)
        let paths = store.snapshotPaths()
        #expect(paths.count == 3)
        for (a, b) in [(0, 1), (1, 2), (0, 2), (2, 0), (1, 1)] {
            for ignore in [[], ["creditCost", "inputs[].type"]] {
                let expected = Differ(ignore: ignore).changes(from: try store.readSnapshot(at: paths[a]), to: try store.readSnapshot(at: paths[b]))
                let actual = try SnapshotFileDiff(ignore: ignore).diff(old: paths[a], new: paths[b])
                #expect(actual.changes == expected, "files \(a) → \(b), ignoring \(ignore)")
                #expect(actual.new.botCount == (try store.readSnapshot(at: paths[b])).entries.count)
            }
        }
    }

    @Test("a damaged file is refused by the file diff too, naming the file", arguments: [
        ("{\"bots\": [{\"id\": \"x\"}], \"format\": \"botcatalog-snapshot\", \"version\": 1, \"takenAt\": \"t\", \"sources\": []}", "no source or id"),
        ("{\"bots\": [", "unexpected end of data"),
        ("{\"bots\": [], \"format\": \"botcatalog-snapshot\", \"version\": 7, \"takenAt\": \"t\", \"sources\": []}", "newer botcatalog"),
        ("[]", "expected '{'"),
    ])
    func fileDiffRefusesDamage(text: String, reason: String) throws {
        let folder = try TestSupport.temporaryFolder()
        let store = StateStore(folder: folder)
        try store.commit(Self.snapshot("2026-01-01T00:00:00Z"), history: nil)
        let bad = "\(folder)/bad.json"
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            _ = try SnapshotFileDiff().diff(old: store.snapshotPaths()[0], new: bad)
            Issue.record("diffed a damaged file")
        } catch {
            #expect(error.file == bad)
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test("a damaged snapshot refused by the file diff unmaps its file once: files mapped meanwhile on other threads stay readable")
    func refusedSnapshotUnmapsOnce() throws {
        let folder = try TestSupport.temporaryFolder()
        let bad = "\(folder)/bad.json", good = "\(folder)/good.json"
        try "{\"bots\": [".write(toFile: bad, atomically: true, encoding: .utf8)
        let text = String(repeating: "botcatalog ", count: 300)
        try text.write(toFile: good, atomically: true, encoding: .utf8)
        let expected = Array(text.utf8)
        // A file unmapped twice takes with it whatever was mapped at its place in between: here,
        // a file another thread maps and reads (which then crashes the process, or reads other bytes).
        let misread = SiteTests.Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for _ in 0..<400 {
                if worker % 2 == 0 {
                    _ = try? MappedSnapshot(path: bad)
                } else if let file = MappedFile(path: good), !file.bytes.elementsEqual(expected) {
                    misread.add()
                }
            }
        }
        #expect(misread.count == 0)
    }
}

