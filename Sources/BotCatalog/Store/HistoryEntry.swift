/// One run that found changes: when, and what changed. The changelog is the list of these.
public struct HistoryEntry: Sendable, Equatable {
    public var at: String
    public var changes: ChangeSet

    public init(at: String, changes: ChangeSet) {
        self.at = at
        self.changes = changes
    }
}
