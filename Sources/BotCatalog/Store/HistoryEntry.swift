import Foundation

/// One run that found changes: when, and what changed. The changelog is the list of these.
public struct HistoryEntry: Sendable, Equatable {
    public var at: String {
        didSet { filePrint = nil }
    }
    public var changes: ChangeSet {
        didSet { filePrint = nil }
    }
    /// A print of the file that holds this entry, byte for byte: set when the entry is read
    /// from its file or filed (`HistoryFile`), dropped when the entry is changed. The site's
    /// input digest takes it instead of walking every change: the history is read on every run,
    /// and its first run lists every bot (50,000 refs of five strings at 50,000 bots).
    public internal(set) var filePrint: UInt64?

    public init(at: String, changes: ChangeSet) {
        self.at = at
        self.changes = changes
    }

    /// Entries are equal by what they hold, however they were made.
    public static func == (a: HistoryEntry, b: HistoryEntry) -> Bool {
        a.at == b.at && a.changes == b.changes
    }

    /// The print of a history file's bytes.
    static func filePrint(of data: Data) -> UInt64 {
        var f = Fingerprint()
        f.add("history file")
        f.add(data)
        return f.value
    }
}

/// A history entry as the store writes it: the file's bytes, and the entry with their print,
/// so the run that makes an entry digests it as every later run, reading the file, will.
public struct HistoryFile: Sendable {
    public let entry: HistoryEntry
    public let data: Data

    public init(_ entry: HistoryEntry) {
        data = JSONWriter.data(StateCodec.json(entry))
        var entry = entry
        entry.filePrint = HistoryEntry.filePrint(of: data)
        self.entry = entry
    }
}
