/// The diff stage: compares the previous snapshot with the new one by identity (source, id).
///
/// Stale entries (carried over from a failed source) are neither changed nor removed:
/// a failed fetch never shows as a removal. `organization`, `name` and `slug` are compared
/// like any field, so a rename or a move is one change, not removed + added.
public struct Differ: Sendable {
    public var ignore: Set<String>

    public init(ignore: [String] = []) { self.ignore = Set(ignore) }

    public func changes(from old: Snapshot?, to new: Snapshot) -> ChangeSet {
        changes(from: old?.entries ?? [], to: new.entries)
    }

    /// Both lists sorted by key (as snapshots keep them): one merge pass, no hashing.
    public func changes(from old: [CatalogEntry], to new: [CatalogEntry]) -> ChangeSet {
        var result = ChangeSet()
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if j >= new.count || (i < old.count && old[i].key < new[j].key) {
                result.removed.append(old[i].bot)
                i += 1
            } else if i >= old.count || new[j].key < old[i].key {
                result.added.append(BotRef(new[j].bot))
                j += 1
            } else {
                if !new[j].stale, let change = change(from: old[i].bot, to: new[j].bot) {
                    result.changed.append(change)
                }
                i += 1
                j += 1
            }
        }
        return result
    }

    public func change(from before: Bot, to after: Bot) -> BotChange? {
        if before == after { return nil }
        var fields = FieldDiff.changes(from: .object(comparable(before)), to: .object(comparable(after)), ignore: ignore)
        if before.organization != after.organization, !ignore.contains("organization") {
            fields.append(FieldChange(path: "organization", before: before.organization.map(JSONValue.string), after: after.organization.map(JSONValue.string)))
            fields.sort { $0.path < $1.path }
        }
        guard !fields.isEmpty else { return nil }
        return BotChange(bot: BotRef(after), previousName: before.name != after.name ? before.name : nil, fields: fields)
    }

    /// The API fields, without the organization id (reported once, as `organization`).
    private func comparable(_ bot: Bot) -> [String: JSONValue] {
        var fields = bot.fields
        fields["organizationId"] = nil
        return fields
    }
}
