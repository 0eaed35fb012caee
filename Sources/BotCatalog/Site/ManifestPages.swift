import Foundation

/// The pages the last build recorded, with their prints, as the manifest's `p` lines hold them:
/// the lines kept as bytes and found through a table of their paths' hashes.
///
/// Read on every run, and looked up once per page (50,000 pages at 50,000 bots). Made into two
/// strings per line and a dictionary, they took a twentieth of a 1%-changed build's CPU at
/// that size; here a page is looked up without a string made, and reading makes one array of
/// offsets and one of slots.
struct ManifestPages: Sendable {
    /// Where one page's line lies in `bytes`: its print, its path, and the line's end (the
    /// line itself is `p <print> <path>` up to the line break at `end`).
    struct Line: Sendable {
        var print: Int32
        var path: Int32
        var end: Int32
    }

    /// The bytes the lines lie in (the manifest file's, when read).
    private let bytes: [UInt8]
    /// One line per page, in the file's order (a page listed twice keeps its first place and
    /// its last print, as a dictionary filled line by line would).
    private let lines: [Line]
    /// Open addressing by the path's print: each slot holds a line's index + 1 (0: empty). Its
    /// count is a power of two, at least twice the lines'.
    private let slots: [Int32]

    static let empty = ManifestPages(bytes: [], found: [])

    /// The pages of `found`, lines whose offsets point into `bytes`.
    init(bytes: [UInt8], found: [Line]) {
        self.bytes = bytes
        guard !found.isEmpty else {
            lines = []
            slots = []
            return
        }
        var size = 8
        while size < found.count * 2 { size <<= 1 }
        var slots = [Int32](repeating: 0, count: size)
        var lines: [Line] = []
        lines.reserveCapacity(found.count)
        bytes.withUnsafeBufferPointer { bytes in
            for line in found {
                let path = Self.path(of: line, in: bytes)
                var slot = Self.slot(of: path, size: size)
                while true {
                    let taken = Int(slots[slot])
                    if taken == 0 {
                        lines.append(line)
                        slots[slot] = Int32(lines.count)
                        break
                    }
                    if Self.same(Self.path(of: lines[taken - 1], in: bytes), path) {
                        lines[taken - 1] = line
                        break
                    }
                    slot = (slot + 1) & (size - 1)
                }
            }
        }
        self.lines = lines
        self.slots = slots
    }

    /// The pages of a dictionary (the JSON manifests of earlier versions, and specs), as lines
    /// sorted by path.
    init(_ pages: [String: String]) {
        var bytes: [UInt8] = []
        var found: [Line] = []
        for (path, print) in pages.sorted(by: { $0.key < $1.key }) {
            bytes.append(contentsOf: "p ".utf8)
            let printStart = bytes.count
            bytes.append(contentsOf: print.utf8)
            bytes.append(UInt8(ascii: " "))
            let pathStart = bytes.count
            bytes.append(contentsOf: path.utf8)
            found.append(Line(print: Int32(printStart), path: Int32(pathStart), end: Int32(bytes.count)))
            bytes.append(UInt8(ascii: "\n"))
        }
        self.init(bytes: bytes, found: found)
    }

    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }

    /// The print recorded for `path`, nil when the page was not made.
    subscript(path: String) -> String? {
        find(path) { bytes, line in String(decoding: Self.print(of: line, in: bytes), as: UTF8.self) }
    }

    func contains(_ path: String) -> Bool {
        find(path) { _, _ in true } ?? false
    }

    /// Whether the page was made with this print (looked up and compared without a string made).
    func holds(_ path: String, print: String) -> Bool {
        line(path, print: print) != nil
    }

    /// The line of the page when it was made with this print (nil otherwise): what `holds`
    /// tells, and where, for the page's line to be written out again as it is (`appendLine`).
    func line(_ path: String, print: String) -> Line? {
        var print = print
        return print.withUTF8 { wanted in
            find(path) { bytes, line in Self.same(Self.print(of: line, in: bytes), wanted) ? line : nil } ?? nil
        }
    }

    /// Appends a line `line(_:print:)` found, as it is (`p <print> <path>` and its line break).
    func appendLine(_ line: Line, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "p"))
        out.append(UInt8(ascii: " "))
        bytes.withUnsafeBufferPointer { bytes in out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(line.print)...Int(line.end)])) }
    }

    /// Every page's path, in the lines' order.
    var paths: [String] {
        bytes.withUnsafeBufferPointer { bytes in lines.map { String(decoding: Self.path(of: $0, in: bytes), as: UTF8.self) } }
    }

    /// Every page and print, as a dictionary.
    var dictionary: [String: String] {
        bytes.withUnsafeBufferPointer { bytes in
            Dictionary(lines.map { (String(decoding: Self.path(of: $0, in: bytes), as: UTF8.self), String(decoding: Self.print(of: $0, in: bytes), as: UTF8.self)) },
                       uniquingKeysWith: { $1 })
        }
    }

    /// How many pages have a path starting with `prefix`.
    func count(withPrefix prefix: String) -> Int {
        let prefix = Array(prefix.utf8)
        return bytes.withUnsafeBufferPointer { bytes in lines.count { Self.path(of: $0, in: bytes).starts(with: prefix) } }
    }

    /// Appends each page's line (`p <print> <path>` and a line break) in the lines' order, but
    /// those whose path holds a line break, which cannot be a line.
    func appendLines(to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { bytes in
            for line in lines {
                let path = Self.path(of: line, in: bytes)
                if path.contains(UInt8(ascii: "\n")) { continue }
                out.append(contentsOf: "p ".utf8)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(line.print)...Int(line.end)]))
            }
        }
    }

    /// What `body` makes of the line of `path`; nil when there is none.
    private func find<T>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>, Line) -> T) -> T? {
        guard !slots.isEmpty else { return nil }
        var path = path
        return path.withUTF8 { path in
            bytes.withUnsafeBufferPointer { bytes -> T? in
                slots.withUnsafeBufferPointer { slots -> T? in
                    let mask = slots.count - 1
                    var slot = Self.slot(of: path, size: slots.count)
                    while true {
                        let taken = Int(slots[slot])
                        guard taken != 0 else { return nil }
                        let line = lines[taken - 1]
                        if Self.same(Self.path(of: line, in: bytes), path) { return body(bytes, line) }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    private static func slot(of path: UnsafeBufferPointer<UInt8>, size: Int) -> Int {
        var f = Fingerprint()
        f.add(UnsafeRawBufferPointer(path))
        return Int(truncatingIfNeeded: f.value) & (size - 1)
    }

    private static func path(of line: Line, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(line.path)..<Int(line.end)])
    }

    private static func print(of line: Line, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[Int(line.print)..<Int(line.path) - 1])
    }
}
