/// Maps snapshots and history entries to and from their JSON files.
///
/// Files carry `format` and `version`: a file from a newer botcatalog is refused with a
/// message, never misread. Reading names the JSON path of the first bad value.
public enum StateCodec {
    public struct Problem: Error, Equatable, Sendable {
        public var reason: String
    }

    public static let snapshotFormat = "botcatalog-snapshot"
    public static let historyFormat = "botcatalog-history"
    public static let historyVersion = 1

    // MARK: Snapshot

    public static func json(_ snapshot: Snapshot) -> JSONValue {
        .object([
            "format": .string(snapshotFormat),
            "version": .int(Int64(Snapshot.formatVersion)),
            "takenAt": .string(snapshot.takenAt),
            "sources": .array(snapshot.sources.map(json)),
            "bots": .array(snapshot.entries.map(json)),
        ])
    }

    public static func snapshot(_ value: JSONValue) throws(Problem) -> Snapshot {
        let root = try Reader(value, path: "")
        try checkFormat(root, expected: snapshotFormat, version: Snapshot.formatVersion)
        let sources = try root.array("sources").map { (r) throws(Problem) in try sourceStatus(r) }
        let entries = try root.array("bots").map { (r) throws(Problem) in try entry(r) }
        return Snapshot(takenAt: try root.string("takenAt"), sources: sources, entries: entries)
    }

    static func checkFormat(_ root: Reader, expected: String, version: Int) throws(Problem) {
        guard let format = root.optionalString("format"), format == expected else {
            throw Problem(reason: "is not a botcatalog \(expected == snapshotFormat ? "snapshot" : "history") file (no \"format\": \"\(expected)\")")
        }
        let v = try root.int("version")
        if v > version {
            throw Problem(reason: "was written by a newer botcatalog (format version \(v), this one reads up to \(version)); upgrade botcatalog")
        }
        if v < 1 { throw Problem(reason: "has an unknown format version \(v)") }
    }

    static func json(_ s: SourceStatus) -> JSONValue {
        .object([
            "name": .string(s.name),
            "platform": .string(s.platform.rawValue),
            "status": .string(s.state.rawValue),
            "problems": .array(s.problems.map(JSONValue.string)),
            "requests": .int(Int64(s.requests)),
            "bots": .int(Int64(s.bots)),
            "rateLimitWaits": .int(Int64(s.rateLimitWaits)),
            "retries": .int(Int64(s.retries)),
        ])
    }

    static func sourceStatus(_ r: Reader) throws(Problem) -> SourceStatus {
        guard let platform = Platform(rawValue: try r.string("platform")) else { throw r.problem("platform", "unknown platform") }
        guard let state = SourceState(rawValue: try r.string("status")) else { throw r.problem("status", "unknown status") }
        return SourceStatus(name: try r.string("name"), platform: platform, state: state,
                            problems: try r.array("problems").map { (p) throws(Problem) in try p.stringValue() },
                            requests: try r.int("requests"), bots: try r.int("bots"),
                            rateLimitWaits: r.optionalInt("rateLimitWaits") ?? 0, retries: r.optionalInt("retries") ?? 0)
    }

    static func json(_ e: CatalogEntry) -> JSONValue {
        guard case .object(var o) = json(e.bot) else { return .null }
        o["stale"] = .bool(e.stale)
        o["firstSeen"] = .string(e.firstSeen)
        o["lastSeen"] = .string(e.lastSeen)
        o["lastChanged"] = .string(e.lastChanged)
        return .object(o)
    }

    static func entry(_ r: Reader) throws(Problem) -> CatalogEntry {
        CatalogEntry(bot: try bot(r), stale: r.optionalBool("stale") ?? false, firstSeen: try r.string("firstSeen"),
                     lastSeen: try r.string("lastSeen"), lastChanged: try r.string("lastChanged"))
    }

    public static func json(_ b: Bot) -> JSONValue {
        var o: [String: JSONValue] = [
            "source": .string(b.source),
            "platform": .string(b.platform.rawValue),
            "id": .string(b.id),
            "name": .string(b.name),
            "slug": .string(b.slug),
            "scope": .string(b.scope),
            "fields": .object(b.fields),
        ]
        if let org = b.organization { o["organization"] = .string(org) }
        if let name = b.organizationName { o["organizationName"] = .string(name) }
        return .object(o)
    }

    static func bot(_ r: Reader) throws(Problem) -> Bot {
        guard let platform = Platform(rawValue: try r.string("platform")) else { throw r.problem("platform", "unknown platform") }
        guard case .object(let fields)? = r.value["fields"] else { throw r.problem("fields", "missing or not an object") }
        return Bot(source: try r.string("source"), platform: platform, id: try r.string("id"), name: try r.string("name"),
                   slug: try r.string("slug"), organization: r.optionalString("organization"),
                   organizationName: r.optionalString("organizationName"), scope: try r.string("scope"), fields: fields)
    }

    // MARK: History

    public static func json(_ entry: HistoryEntry) -> JSONValue {
        .object([
            "format": .string(historyFormat),
            "version": .int(Int64(historyVersion)),
            "at": .string(entry.at),
            "added": .array(entry.changes.added.map(json)),
            "removed": .array(entry.changes.removed.map(json)),
            "changed": .array(entry.changes.changed.map(json)),
        ])
    }

    public static func historyEntry(_ value: JSONValue) throws(Problem) -> HistoryEntry {
        let root = try Reader(value, path: "")
        try checkFormat(root, expected: historyFormat, version: historyVersion)
        let added = try root.array("added").map { (r) throws(Problem) in try ref(r) }
        let removed = try root.array("removed").map { (r) throws(Problem) in try bot(r) }
        let changed = try root.array("changed").map { (r) throws(Problem) in try botChange(r) }
        return HistoryEntry(at: try root.string("at"), changes: ChangeSet(added: added, removed: removed, changed: changed))
    }

    static func json(_ ref: BotRef) -> JSONValue {
        var o: [String: JSONValue] = ["source": .string(ref.source), "id": .string(ref.id), "name": .string(ref.name), "slug": .string(ref.slug)]
        if let org = ref.organization { o["organization"] = .string(org) }
        return .object(o)
    }

    static func ref(_ r: Reader) throws(Problem) -> BotRef {
        BotRef(source: try r.string("source"), id: try r.string("id"), name: try r.string("name"),
               slug: try r.string("slug"), organization: r.optionalString("organization"))
    }

    static func json(_ c: BotChange) -> JSONValue {
        guard case .object(var o) = json(c.bot) else { return .null }
        if let previous = c.previousName { o["previousName"] = .string(previous) }
        o["fields"] = .array(c.fields.map(json))
        return .object(o)
    }

    /// A field change as the report JSON contract has it: `{path, before, after}`, absent sides omitted.
    public static func json(_ f: FieldChange) -> JSONValue {
        var o: [String: JSONValue] = ["path": .string(f.path)]
        if let before = f.before { o["before"] = before }
        if let after = f.after { o["after"] = after }
        return .object(o)
    }

    static func botChange(_ r: Reader) throws(Problem) -> BotChange {
        let fields = try r.array("fields").map { (f) throws(Problem) in
            FieldChange(path: try f.string("path"), before: f.value["before"], after: f.value["after"])
        }
        return BotChange(bot: try ref(r), previousName: r.optionalString("previousName"), fields: fields)
    }
}

/// A JSON object being read, that knows its own path for error messages.
struct Reader {
    let value: [String: JSONValue]
    let raw: JSONValue
    let path: String

    init(_ json: JSONValue, path: String) throws(StateCodec.Problem) {
        guard case .object(let o) = json else { throw StateCodec.Problem(reason: "expected an object at \(path.isEmpty ? "the top level" : path)") }
        value = o
        raw = json
        self.path = path
    }

    func problem(_ key: String, _ reason: String) -> StateCodec.Problem {
        StateCodec.Problem(reason: "\(reason) at \(path.isEmpty ? key : "\(path).\(key)")")
    }

    func string(_ key: String) throws(StateCodec.Problem) -> String {
        guard case .string(let s)? = value[key] else { throw problem(key, "missing or not a string") }
        return s
    }

    func optionalString(_ key: String) -> String? {
        if case .string(let s)? = value[key] { return s }
        return nil
    }

    func int(_ key: String) throws(StateCodec.Problem) -> Int {
        guard let i = value[key]?.intValue else { throw problem(key, "missing or not a whole number") }
        return i
    }

    func optionalInt(_ key: String) -> Int? { value[key]?.intValue }

    func optionalBool(_ key: String) -> Bool? {
        if case .bool(let b)? = value[key] { return b }
        return nil
    }

    func array(_ key: String) throws(StateCodec.Problem) -> [ArrayItem] {
        guard case .array(let items)? = value[key] else { throw problem(key, "missing or not a list") }
        let base = path.isEmpty ? key : "\(path).\(key)"
        return items.enumerated().map { ArrayItem(value: $0.element, path: "\(base)[\($0.offset)]") }
    }
}

/// An item of a list being read: an object (read further) or a plain string.
struct ArrayItem {
    let value: JSONValue
    let path: String

    func stringValue() throws(StateCodec.Problem) -> String {
        guard case .string(let s) = value else { throw StateCodec.Problem(reason: "not a string at \(path)") }
        return s
    }
}

extension StateCodec {
    static func sourceStatus(_ item: ArrayItem) throws(Problem) -> SourceStatus { try sourceStatus(Reader(item.value, path: item.path)) }
    static func entry(_ item: ArrayItem) throws(Problem) -> CatalogEntry { try entry(Reader(item.value, path: item.path)) }
    static func bot(_ item: ArrayItem) throws(Problem) -> Bot { try bot(Reader(item.value, path: item.path)) }
    static func ref(_ item: ArrayItem) throws(Problem) -> BotRef { try ref(Reader(item.value, path: item.path)) }
    static func botChange(_ item: ArrayItem) throws(Problem) -> BotChange { try botChange(Reader(item.value, path: item.path)) }
}

extension ArrayItem {
    func string(_ key: String) throws(StateCodec.Problem) -> String { try Reader(value, path: path).string(key) }
}
