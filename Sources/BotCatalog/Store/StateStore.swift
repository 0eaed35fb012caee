import Foundation

/// The `state` folder: snapshots (one JSON file per run, newest kept up to `keep`) and
/// the changelog history (one JSON file per run that found changes).
///
/// The snapshot's rename is the commit point of a run: a history file newer than the
/// newest snapshot belongs to a run that died before committing and is discarded.
public struct StateStore: Sendable {
    public let folder: String
    public let keep: Int

    public init(folder: String, keep: Int = 90) {
        self.folder = folder
        self.keep = max(1, keep)
    }

    public var snapshotsFolder: String { "\(folder)/snapshots" }
    public var historyFolder: String { "\(folder)/history" }

    /// `2026-11-23T17:28:00Z` → `2026-11-23T17-28-00Z.json` (no colons: portable file names).
    static func fileName(for timestamp: String) -> String {
        timestamp.replacingOccurrences(of: ":", with: "-") + ".json"
    }

    func files(in folder: String) -> [String] {
        FolderNames.of(folder).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    /// Paths of all snapshots, oldest first.
    public func snapshotPaths() -> [String] { files(in: snapshotsFolder).map { "\(snapshotsFolder)/\($0)" } }

    /// The newest snapshot, or nil on a first run. A damaged file is an error naming it:
    /// falling back to an older one would report changes that did not happen.
    public func latestSnapshot() throws(StoreError) -> Snapshot? {
        guard let path = snapshotPaths().last else { return nil }
        return try readSnapshot(at: path)
    }

    public func readSnapshot(at path: String) throws(StoreError) -> Snapshot {
        let json = try readJSON(path, what: "snapshot")
        do {
            return try StateCodec.snapshot(json)
        } catch {
            throw StoreError(file: path, reason: "\(error.reason); restore it from a backup or move it out of \(snapshotsFolder) to start from the snapshot before it")
        }
    }

    func readJSON(_ path: String, what: String) throws(StoreError) -> JSONValue {
        try readJSON(try readFile(path, what: what), path: path, what: what)
    }

    func readFile(_ path: String, what: String) throws(StoreError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(file: path, reason: "cannot read the \(what) file; check its permissions")
        }
        return data
    }

    func readJSON(_ data: Data, path: String, what: String) throws(StoreError) -> JSONValue {
        do {
            return try JSONReader.read(data)
        } catch {
            throw StoreError(file: path, reason: "the \(what) is damaged (\(error)); restore it from a backup or move it away")
        }
    }

    /// All history entries, oldest first, without those of runs that never committed.
    public func history() throws(StoreError) -> [HistoryEntry] {
        let latest = snapshotPaths().last.map { ($0 as NSString).lastPathComponent }
        var entries: [HistoryEntry] = []
        for name in files(in: historyFolder) {
            if let latest, name > latest { continue }  // uncommitted run
            if latest == nil { continue }
            let path = "\(historyFolder)/\(name)"
            let data = try readFile(path, what: "history")
            let json = try readJSON(data, path: path, what: "history")
            do {
                var entry = try StateCodec.historyEntry(json)
                entry.filePrint = HistoryEntry.filePrint(of: data)
                entries.append(entry)
            } catch {
                throw StoreError(file: path, reason: "\(error.reason); restore it from a backup or move it away")
            }
        }
        return entries
    }

    /// Commits a run: its history entry (if it found changes), then its snapshot, then prunes.
    public func commit(_ snapshot: Snapshot, history entry: HistoryEntry?) throws(StoreError) {
        try commit(snapshot, historyFile: entry.map(HistoryFile.init))
    }

    /// `commit` with the history entry already made into its file (the run digested it so).
    public func commit(_ snapshot: Snapshot, historyFile entry: HistoryFile?) throws(StoreError) {
        let name = Self.fileName(for: snapshot.takenAt)
        try AtomicFile.createFolder(snapshotsFolder)
        if let newest = files(in: snapshotsFolder).last, newest >= name {
            throw StoreError(file: "\(snapshotsFolder)/\(newest)",
                             reason: "is as new as this run (\(snapshot.takenAt)); check the system clock")
        }
        // Leftovers of a run that died before its commit point.
        for stale in files(in: historyFolder) where stale >= name || stale > (files(in: snapshotsFolder).last ?? "") {
            try? FileManager.default.removeItem(atPath: "\(historyFolder)/\(stale)")
        }
        if let entry {
            try AtomicFile.write(entry.data, to: "\(historyFolder)/\(name)")
        }
        try AtomicFile.write(JSONWriter.data(StateCodec.json(snapshot)), to: "\(snapshotsFolder)/\(name)")
        prune()
    }

    /// Keeps the newest `keep` snapshots. History is never pruned: the changelog spans all runs.
    func prune() {
        let all = files(in: snapshotsFolder)
        guard all.count > keep else { return }
        for name in all.prefix(all.count - keep) {
            try? FileManager.default.removeItem(atPath: "\(snapshotsFolder)/\(name)")
        }
    }
}
