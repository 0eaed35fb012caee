import Foundation

/// The changelog as last built, with markers where the time of the check stands, kept beside the
/// page fingerprints: a run whose input digest equals the last build's (nothing but the check
/// time moved) fills in the new time instead of building the site. Tied to its digest, so a
/// cache left by an older build is never used.
struct ChangelogCache: Sendable, Equatable {
    /// Stand for the check's time while the changelog is rendered (private-use characters, which
    /// `DisplayText` removes from API text, so no bot can forge them).
    static let checkedAt = "\u{E000}checked\u{E001}"
    static let checkedAtISO = "\u{E000}checked-iso\u{E001}"

    let digest: String
    /// The page with the markers.
    let page: [UInt8]
    /// Where each run's part of `page` is, by the run's key (`FragmentMemo`): the next build
    /// renders the runs whose key and outside reads are the same from here.
    var fragments: [FragmentLog.Entry] = []

    /// The page for a check at `takenAt` (an ISO 8601 time).
    func filled(takenAt: String) -> [UInt8] {
        let iso = SiteBuilder.replacing(Self.checkedAtISO, in: page, with: [HTML.escape(takenAt)])[0]
        return SiteBuilder.replacing(Self.checkedAt, in: iso, with: [HTML.escape(Timestamp.readable(takenAt))])[0]
    }

    /// Whether `filled(takenAt:)` is `expected`, found without making it (a year of runs is tens
    /// of megabytes): the stretches between markers are compared where they lie.
    func fills(_ expected: [UInt8], takenAt: String) -> Bool {
        let markers = [(Array(Self.checkedAtISO.utf8), Array(HTML.escape(takenAt).utf8)),
                       (Array(Self.checkedAt.utf8), Array(HTML.escape(Timestamp.readable(takenAt)).utf8))]
        return page.withUnsafeBufferPointer { marked in
            expected.withUnsafeBufferPointer { out in
                func same(_ from: Int, _ to: Int, _ bytes: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
                    let n = to - from
                    return n == 0 || (at + n <= out.count && memcmp(bytes.baseAddress! + from, out.baseAddress! + at, n) == 0)
                }
                // Every marker's places, in order (no two overlap: each starts and ends with its own private-use character).
                var found: [(at: Int, marker: Int)] = []
                for (n, marker) in markers.enumerated() { found += SiteBuilder.occurrences(of: marker.0, in: marked).map { ($0, n) } }
                found.sort { $0.at < $1.at }
                var i = 0, j = 0
                for (at, n) in found {
                    guard same(i, at, marked, at: j) else { return false }
                    j += at - i
                    let (marker, filling) = markers[n]
                    guard filling.withUnsafeBufferPointer({ same(0, $0.count, $0, at: j) }) else { return false }
                    j += filling.count
                    i = at + marker.count
                }
                return j + (marked.count - i) == out.count && same(i, marked.count, marked, at: j)
            }
        }
    }

    /// Where the cache is kept: in the state folder, beside the site manifest.
    static func path(besideManifest manifestPath: String) -> String {
        SiteManifest.stateFile("site-changelog.cache", besideManifest: manifestPath)
    }

    /// The runs' fragments, as slices of the page.
    var fragmentsByKey: [UInt64: Fragment] { FragmentLog.fragments(fragments, in: page) }

    /// The second line: the format, how many fragments the lines after it list, the page's length,
    /// and a print of the lines and the page (a damaged cache is not read: its page is published).
    static let format = "botcatalog-changelog-cache-2"

    /// The cache in `path` when it was made for `digest` (any digest when nil); nil otherwise, or
    /// when it is unreadable, damaged, or of another format.
    static func read(_ path: String, digest: String?) -> ChangelogCache? {
        // Read into the array the page is kept in, its head then moved out of the way: a page of
        // tens of megabytes copied out of the file's `Data` was one more buffer of that size for
        // the kernel to map in.
        guard var bytes = readBytes(path),
              let (head, pageStart) = bytes.withUnsafeBufferPointer({ parse($0, digest: digest) }) else { return nil }
        bytes.removeSubrange(0..<pageStart)
        return ChangelogCache(digest: head.digest, page: bytes, fragments: head.fragments)
    }

    /// The whole file; nil when it cannot be read.
    private static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            while count < size {
                let n = Foundation.read(fd, buffer.baseAddress! + count, size - count)
                if n > 0 { count += n } else if n < 0 && errno == EINTR { continue } else { failed = n < 0; break }
            }
        }
        return failed ? nil : bytes
    }

    /// The head's digest and fragments, and where the page starts; nil when the file is not one.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, digest wanted: String?) -> (head: (digest: String, fragments: [FragmentLog.Entry]), pageStart: Int)? {
        var at = 0
        func line() -> [Substring]? {
            guard let end = bytes[at...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            defer { at = end + 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<end]), as: UTF8.self).split(separator: " ", omittingEmptySubsequences: false)
        }
        func hex(_ text: Substring) -> UInt64? { text.count == 16 ? UInt64(text, radix: 16) : nil }
        guard let first = line(), first.count == 1, wanted.map({ first[0] == $0 }) ?? true,
              let head = line(), head.count == 4, head[0] == format, let count = Int(head[1]), count >= 0, let length = Int(head[2]),
              length <= bytes.count - at, let print = hex(head[3]) else { return nil }
        let pageStart = bytes.count - length
        guard Self.print(lines: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[at..<pageStart])),
                         page: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[pageStart...]))) == print else { return nil }
        var entries: [FragmentLog.Entry] = []
        for _ in 0..<count {
            guard let fields = line(), fields.count == 5, let key = hex(fields[0]), let lower = Int(fields[1]), let upper = Int(fields[2]),
                  lower >= 0, lower <= upper, let indentation = Self.indentation(fields[3]), let escapeCount = Int(fields[4]), escapeCount >= 0 else { return nil }
            var escapes: [Escape] = []
            for _ in 0..<escapeCount {
                guard let escape = line(), escape.count == 2, !escape[0].isEmpty, let value = hex(escape[1]) else { return nil }
                escapes.append(Escape(name: String(escape[0]), value: value))
            }
            entries.append(FragmentLog.Entry(key: key, range: lower..<upper, indentation: indentation, escapes: escapes))
        }
        // The lines end where the page starts (a file cut short or grown fails the print).
        guard at == pageStart else { return nil }
        guard entries.allSatisfy({ $0.range.upperBound <= length }) else { return nil }
        return ((String(first[0]), entries), pageStart)
    }

    static func print(lines: UnsafeRawBufferPointer, page: UnsafeRawBufferPointer) -> UInt64 {
        var f = Fingerprint()
        f.add(lines)
        f.add(page)
        return f.value
    }

    /// An indentation as a line holds it: its bytes in hex, `-` for none.
    private static func indentation(_ field: Substring) -> String? {
        if field == "-" { return "" }
        guard field.count % 2 == 0, let bytes = Optional(Array(field.utf8)) else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let byte = UInt8(String(decoding: bytes[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return String(validating: out, as: UTF8.self)
    }

    /// The digest on the first line, the format, the fragments' count, the page's length and the
    /// print on the second, a line per fragment (key, range, indentation, outside reads) and one
    /// per outside read, then the page (written as it is: a year of runs is tens of megabytes).
    func write(to sink: inout AtomicFile.Sink) {
        let hex = Fingerprint.hex
        var lines = ""
        for entry in fragments {
            let indentation = entry.indentation.isEmpty ? "-" : entry.indentation.utf8.map { hex(UInt64($0)).suffix(2) }.joined()
            lines += "\(hex(entry.key)) \(entry.range.lowerBound) \(entry.range.upperBound) \(indentation) \(entry.escapes.count)\n"
            for escape in entry.escapes { lines += "\(escape.name) \(hex(escape.value))\n" }
        }
        let lines8 = Array(lines.utf8)
        let print = lines8.withUnsafeBytes { lines in page.withUnsafeBytes { Self.print(lines: lines, page: $0) } }
        sink.write("\(digest)\n\(Self.format) \(fragments.count) \(page.count) \(hex(print))\n")
        lines8.withUnsafeBytes { sink.write($0) }
        page.withUnsafeBytes { sink.write($0) }
    }
}
