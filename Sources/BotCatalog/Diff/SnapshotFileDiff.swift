import Foundation

/// Diffs two snapshot files without building either catalog: each file is mapped and skimmed
/// for its bots' keys and a fingerprint of what the diff compares (every field but the
/// timestamps), and only bots whose fingerprints differ are parsed and compared field by field.
/// Snapshots are written sorted by key, so one merge pass pairs them; memory stays flat in the
/// number of bots, and pages already read are handed back to the kernel as the scan moves on.
public struct SnapshotFileDiff: Sendable {
    public var ignore: [String]

    public init(ignore: [String] = []) { self.ignore = ignore }

    public struct Result: Sendable {
        public var changes: ChangeSet
        public var old: SnapshotSummary
        public var new: SnapshotSummary
    }

    /// What a snapshot file says besides its bots.
    public struct SnapshotSummary: Sendable {
        public var takenAt: String
        public var sources: [SourceStatus]
        public var botCount: Int
    }

    public func diff(old oldPath: String, new newPath: String) throws(StoreError) -> Result {
        // The two files are skimmed at once, one per core.
        let paths = [oldPath, newPath]
        var mapped = [Swift.Result<MappedSnapshot, StoreError>?](repeating: nil, count: 2)
        mapped.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: 2) { n in
                slots[n] = Swift.Result { () throws(StoreError) -> MappedSnapshot in try MappedSnapshot(path: paths[n]) }
            }
        }
        guard let oldResult = mapped[0], let newResult = mapped[1] else { throw StoreError(file: oldPath, reason: "not read") }
        let old = try oldResult.get()
        let new = try newResult.get()
        let differ = Differ(ignore: ignore)
        var changes = ChangeSet()
        var i = 0, j = 0
        while i < old.bots.count || j < new.bots.count {
            if j >= new.bots.count || (i < old.bots.count && old.bots[i].key < new.bots[j].key) {
                changes.removed.append(try old.entry(i).bot)
                i += 1
            } else if i >= old.bots.count || new.bots[j].key < old.bots[i].key {
                changes.added.append(BotRef(try new.entry(j).bot))
                j += 1
            } else {
                if !new.bots[j].stale, old.bots[i].print != new.bots[j].print,
                   let change = differ.change(from: try old.entry(i).bot, to: try new.entry(j).bot) {
                    changes.changed.append(change)
                }
                i += 1
                j += 1
            }
        }
        return Result(changes: changes, old: old.summary, new: new.summary)
    }
}

/// A snapshot file mapped into memory, with an index of its bots.
final class MappedSnapshot {
    struct Skimmed {
        var key: BotKey
        var stale: Bool
        /// FNV-1a of the bot's bytes but its timestamps: equal prints, equal bots.
        var print: UInt64
        var range: Range<Int>
    }

    let path: String
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private(set) var bots: [Skimmed] = []
    private(set) var summary = SnapshotFileDiff.SnapshotSummary(takenAt: "", sources: [], botCount: 0)

    init(path: String) throws(StoreError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(file: path, reason: "cannot read the snapshot (\(AtomicFile.errnoText()))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { throw StoreError(file: path, reason: "the snapshot is empty") }
        length = Int(info.st_size)
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw StoreError(file: path, reason: "cannot map the snapshot (\(AtomicFile.errnoText()))")
        }
        base = mapped
        do {
            try skim()
        } catch {
            // Not unmapped here: every property is set, so the object is whole and `deinit`
            // unmaps it as the error leaves. Unmapped here too, the second `munmap` took away
            // whatever another thread had mapped at that place meanwhile.
            throw StoreError(file: path, reason: "\(error.reason); restore it from a backup or move it away")
        }
    }

    deinit { munmap(base, length) }

    private var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: length)
    }

    /// Parses one bot in full (the few that differ).
    func entry(_ n: Int) throws(StoreError) -> CatalogEntry {
        let slice = UnsafeBufferPointer(rebasing: bytes[bots[n].range])
        do {
            let value = try JSONReader.read(Data(buffer: slice))
            return try StateCodec.entry(Reader(value, path: "bots[\(n)]"))
        } catch let error as JSONReadError {
            throw StoreError(file: path, reason: "bots[\(n)]: \(error)")
        } catch let error as StateCodec.Problem {
            throw StoreError(file: path, reason: error.reason)
        } catch {
            throw StoreError(file: path, reason: "\(error)")
        }
    }

    private func skim() throws(StateCodec.Problem) {
        var scanner = JSONSkimmer(bytes: bytes)
        var header: [String: JSONValue] = [:]
        try scanner.object { key, scanner throws(StateCodec.Problem) in
            guard key == "bots" else {
                let range = try scanner.skipValue()
                header[key] = try Self.parse(UnsafeBufferPointer(rebasing: bytes[range]))
                return
            }
            var previous: BotKey?
            var released = 0
            try scanner.array { scanner throws(StateCodec.Problem) in
                let start = scanner.index
                var source: String?, id: String?, stale = false
                var print = SkimHash()
                try scanner.object { field, scanner throws(StateCodec.Problem) in
                    let range = try scanner.skipValue()
                    let value = UnsafeBufferPointer(rebasing: bytes[range])
                    switch field {
                    case "source": source = try Self.parse(value).stringValue
                    case "id": id = try Self.parse(value).stringValue
                    case "stale": stale = value.first == UInt8(ascii: "t")
                    case "firstSeen", "lastSeen", "lastChanged": return  // times are not compared
                    default: break
                    }
                    var name = field
                    name.withUTF8 { print.add($0) }
                    print.add(value)
                }
                guard let source, let id else { throw StateCodec.Problem(reason: "bots[\(bots.count)] has no source or id") }
                let key = BotKey(source: source, id: id)
                if let previous, !(previous < key) {
                    throw StateCodec.Problem(reason: "bots are not sorted by source and id at bots[\(bots.count)] (was the file edited by hand?)")
                }
                previous = key
                bots.append(Skimmed(key: key, stale: stale, print: print.value, range: start..<scanner.index))
                // Hand back pages the scan has passed: resident memory stays small on large files.
                let page = 1 << 22
                if scanner.index - released > page * 4 {
                    let upTo = (scanner.index / page - 1) * page
                    if upTo > released { madvise(base + released, upTo - released, MADV_DONTNEED); released = upTo }
                }
            }
        }
        // The header is checked with the same codec as a full read: format, version, sources.
        var check = header
        check["bots"] = .array([])
        let parsed = try StateCodec.snapshot(.object(check))
        summary = .init(takenAt: parsed.takenAt, sources: parsed.sources, botCount: bots.count)
    }

    private static func parse(_ slice: UnsafeBufferPointer<UInt8>) throws(StateCodec.Problem) -> JSONValue {
        do {
            return try JSONReader.read(Data(buffer: slice))
        } catch {
            throw StateCodec.Problem(reason: "\(error)")
        }
    }
}

/// A fast word-at-a-time hash of byte runs, for telling equal bots apart from changed ones.
/// Not for security: a collision could only hide a change until the bot changes again.
struct SkimHash {
    private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let count = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= count {
                mix(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
        mix(tail ^ (UInt64(count) << 56))
    }

    @inline(__always)
    private mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 31
    }
}

/// Walks JSON structure without building values: enough to find each bot's bytes.
struct JSONSkimmer {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func fail(_ reason: String) -> StateCodec.Problem {
        StateCodec.Problem(reason: "invalid JSON at byte \(index): \(reason)")
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(StateCodec.Problem) {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of data") }
        guard bytes[index] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Calls `body` for each key of an object, positioned at the key's value; `body` must consume it.
    mutating func object(_ body: (String, inout JSONSkimmer) throws(StateCodec.Problem) -> Void) throws(StateCodec.Problem) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            let keyRange = try skipString()
            guard let key = String(validating: UnsafeBufferPointer(rebasing: bytes[(keyRange.lowerBound + 1)..<(keyRange.upperBound - 1)]), as: UTF8.self) else {
                throw fail("invalid key")
            }
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try body(key, &self)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of data in object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// Calls `body` for each element of an array, positioned at it; `body` must consume it.
    mutating func array(_ body: (inout JSONSkimmer) throws(StateCodec.Problem) -> Void) throws(StateCodec.Problem) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipWhitespace()
            try body(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of data in array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    /// Skips one value; returns its byte range. Strings are checked only for their end:
    /// values that matter are parsed strictly by `JSONReader` afterwards.
    mutating func skipValue() throws(StateCodec.Problem) -> Range<Int> {
        skipWhitespace()
        let start = index
        guard index < bytes.count else { throw fail("unexpected end of data") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""): _ = try skipString(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { index += 1; return start..<index }
                default: break
                }
                index += 1
            }
            throw fail("unexpected end of data in a nested value")
        default:
            while index < bytes.count, !(bytes[index] == UInt8(ascii: ",") || bytes[index] == UInt8(ascii: "}") || bytes[index] == UInt8(ascii: "]")
                  || bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09) { index += 1 }
            guard index > start else { throw fail("expected a value") }
            return start..<index
        }
    }

    mutating func skipString() throws(StateCodec.Problem) -> Range<Int> {
        let start = index
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): index += 1; return start..<index
            default: index += 1
            }
        }
        throw fail("unexpected end of data in string")
    }
}
