import Foundation

/// Writes one page into the staging folder: hard-links the current file when the page's
/// fingerprint or bytes are unchanged (keeping its mtime), writes it otherwise.
///
/// The staging folder is new, or the spare site being brought up to date (`SpareSite`): then it
/// already holds the published file of every page but those in `relink`, and a page's file there
/// is always unlinked before it is written (it may be the published file itself).
struct PageWriter: Sendable {
    let staging: String
    let current: String
    let oldManifest: ManifestPages
    /// Updating the spare: the pages whose file there is not the published one's.
    let relink: Set<String>?
    /// The published site holds every page of `oldManifest` (`SiteManifest.isIntact`): a page
    /// need not be looked for before it is linked.
    let intact: Bool
    /// Both site folders held open, so linking a page walks its relative path only.
    private let stagingFD: Int32
    private let currentFD: Int32

    init(staging: String, current: String, oldManifest: ManifestPages, relink: Set<String>? = nil, intact: Bool = false) {
        self.staging = staging
        self.current = current
        self.oldManifest = oldManifest
        self.relink = relink
        self.intact = intact
        stagingFD = Foundation.open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        currentFD = Foundation.open(current, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    /// The folders held open, to close when done (without holding on to the writer).
    var openFolders: [Int32] { [stagingFD, currentFD] }

    static func close(_ folders: [Int32]) {
        for fd in folders where fd >= 0 { Foundation.close(fd) }
    }

    struct Result: Sendable {
        var path: String
        var fingerprint: String
        var rendered: Bool
        var written: Bool
        /// The last build's manifest lists the page (known from the lookups `plan` makes anyway).
        var listedBefore = false
    }

    /// Whether the published page can be linked as it is.
    func isReusable(_ path: String, fingerprint: String) -> Bool {
        oldManifest.holds(path, print: fingerprint) && (intact || access("\(current)/\(path)", F_OK) == 0)
    }

    /// A page ready to be stored: linked from the published site, or these bytes.
    struct Planned {
        var path: String
        var fingerprint: String
        enum Content { case reuse, render(PageBytes) }
        var content: Content
        /// The rendered bytes equal the published file's: link it rather than write.
        var unchanged = false
        var listedBefore = false
    }

    /// A page in two steps. `plan`: with a fingerprint equal to the last build's, the published
    /// file will be linked and `render` never runs; otherwise the page is rendered (and will be
    /// linked anyway when its bytes did not change). `store` then does the file system's part.
    /// Split from `store` so pages render in parallel while one thread creates the files (two
    /// threads creating files in one folder only queue on its lock in the kernel).
    func plan(_ path: String, fingerprint: String? = nil, render: () throws(SiteError) -> PageBytes) throws(SiteError) -> Planned {
        if let fingerprint, isReusable(path, fingerprint: fingerprint) {
            return Planned(path: path, fingerprint: fingerprint, content: .reuse, listedBefore: true)
        }
        let bytes = try render()
        let listed = oldManifest.contains(path)
        let unchanged = listed && (currentFD >= 0 ? bytes.matchesFile(path, in: currentFD) : bytes.matchesFile(atPath: "\(current)/\(path)"))
        return Planned(path: path, fingerprint: fingerprint ?? "", content: .render(bytes), unchanged: unchanged, listedBefore: listed)
    }

    /// A page whose file is in the staging folder: linked (done), or made and still to be
    /// written (`fd`, `bytes`).
    struct Opened {
        var result: Result
        var fd: Int32 = -1
        var bytes: PageBytes?
        /// The file held an older version: cut to the new length once written.
        var overwrite = false
    }

    /// The file system's part that changes folders: links the page, or makes its file. Callers
    /// do this under one lock (two threads making files in one folder only queue on its lock in
    /// the kernel), then `fill` the files outside it, where writes can run side by side.
    func open(_ planned: Planned) throws(SiteError) -> Opened {
        let path = planned.path
        let bytes: PageBytes
        switch planned.content {
        case .reuse:
            if linkPublished(path, alwaysRendered: false) { return Opened(result: Result(path: path, fingerprint: planned.fingerprint, rendered: false, written: false, listedBefore: true)) }
            throw SiteError(file: "\(current)/\(path)", reason: "vanished while the site was being built; run again")
        case .render(let rendered):
            bytes = rendered
        }
        let target = "\(staging)/\(path)"
        if planned.unchanged, linkPublished(path, alwaysRendered: planned.fingerprint.isEmpty) {
            return Opened(result: Result(path: path, fingerprint: planned.fingerprint, rendered: true, written: false, listedBefore: planned.listedBefore))
        }
        let result = Result(path: path, fingerprint: planned.fingerprint, rendered: true, written: true, listedBefore: planned.listedBefore)
        // In the spare, a page the last run wrote holds its older version, in a file of its own
        // (one link): written over in place, its memory or blocks are used again rather than freed
        // and taken anew (the listing pages are megabytes). Any other file may be the published
        // one: a new file, never one written over.
        if let relink {
            if relink.contains(path), stagingFD >= 0 {
                let fd = openat(stagingFD, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
                var info = stat()
                if fd >= 0, fstat(fd, &info) == 0, info.st_nlink == 1, (info.st_mode & S_IFMT) == S_IFREG {
                    return Opened(result: result, fd: fd, bytes: bytes, overwrite: true)
                }
                if fd >= 0 { Foundation.close(fd) }
            }
            unlinkStaged(path)
        }
        // A plain write: the staging folder is synced once before it is swapped in.
        // Opened from the staging folder's descriptor: the path is walked from there, not from `/`.
        let fd = stagingFD >= 0 ? openat(stagingFD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                                : Foundation.open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SiteError(file: target, reason: "cannot write the page (\(AtomicFile.errnoText())); check the output folder") }
        return Opened(result: result, fd: fd, bytes: bytes)
    }

    /// Writes and closes the files `open` made; every one is closed, even after a failure.
    func fill(_ opened: [Opened]) throws(SiteError) -> [Result] {
        var failure: SiteError?
        for page in opened where page.fd >= 0 {
            if failure == nil, let bytes = page.bytes,
               !bytes.write(to: page.fd) || (page.overwrite && ftruncate(page.fd, off_t(bytes.count)) != 0) {
                failure = SiteError(file: "\(staging)/\(page.result.path)", reason: "cannot write the page (\(AtomicFile.errnoText())); check free disk space")
            }
            Foundation.close(page.fd)
        }
        if let failure { throw failure }
        return opened.map(\.result)
    }

    /// Puts the published file in the staging folder. The spare holds it already, unless the
    /// page differs there or is one rendered on every run (those can be replaced in the
    /// published site in place, which the spare's record does not follow).
    func linkPublished(_ path: String, alwaysRendered: Bool) -> Bool {
        guard let relink else { return link(path) }
        guard alwaysRendered || relink.contains(path) else { return true }
        unlinkStaged(path)
        return link(path)
    }

    /// Removes the page's file from the staging folder, if there is one.
    func unlinkStaged(_ path: String) {
        if stagingFD >= 0 { unlinkat(stagingFD, path, 0) } else { unlink("\(staging)/\(path)") }
    }

    /// Hard-links the published file into the staging folder; false when there is none.
    func link(_ path: String) -> Bool {
        if stagingFD >= 0, currentFD >= 0 { return linkat(currentFD, path, stagingFD, path, 0) == 0 }
        return Foundation.link("\(current)/\(path)", "\(staging)/\(path)") == 0
    }

    /// Makes every folder the pages go in, once, before any is stored (so storing a page never
    /// asks the file system or a shared set whether its folder exists).
    func makeFolders(_ folders: Set<String>) throws(SiteError) {
        // Sorted, so each folder's parent is made before it.
        for folder in folders.sorted() {
            let path = "\(staging)/\(folder)"
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw SiteError(file: path, reason: "cannot create folder (\((error as NSError).localizedDescription))")
            }
        }
    }
}

/// A rendered page: bytes, text as it came from a template, or pieces written one after the
/// other (a listing's rows, never joined).
enum PageBytes: Sendable {
    case data(Data)
    case bytes([UInt8])
    case text(String)
    /// Pieces of memory that `owners` keep alive (a listing's rows, where the row cache holds them).
    case gathered(Gathered)

    struct Gathered: @unchecked Sendable {
        var pieces: [ByteSpan]
        var owners: [AnyObject]
    }

    /// All of it in one piece (for the few small pages that need it).
    var data: Data {
        switch self {
        case .data(let data): return data
        case .bytes(let bytes): return Data(bytes)
        case .text(let text): return Data(text.utf8)
        case .gathered(let gathered):
            var data = Data(capacity: count)
            for piece in gathered.pieces { data.append(piece.buffer) }
            return data
        }
    }

    /// Whether the file holds exactly these bytes (false when there is none, or it is no plain
    /// file). The sizes are compared first; then the file is read in blocks and compared up to the
    /// first difference (a changed listing page is megabytes, and a changed row may keep its
    /// length). Read, not mapped: unmapping in a process with several threads interrupts each of
    /// them (TLB shootdowns), which cost a 1,000-bot build more than the comparing did.
    func matchesFile(atPath path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return matchesFile(fd)
    }

    /// `matchesFile(atPath:)` of the file at `path` in the folder open as `folder`. Its size is
    /// looked at first, without opening it: a page whose print changed mostly changed its length
    /// too, and it is then never opened (a 1%-changed build renders some fifty such pages).
    func matchesFile(_ path: String, in folder: Int32) -> Bool {
        var info = stat()
        guard fstatat(folder, path, &info, 0) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == count else { return false }
        let fd = openat(folder, path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return matchesFile(fd)
    }

    /// Whether the open file `fd` holds exactly these bytes (read from its start).
    private func matchesFile(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) == count else { return false }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { block.deallocate() }
        // The block holds `filled` bytes of the file, of which `used` are compared.
        var filled = 0, used = 0
        let same = allPieces { piece in
            var offset = 0
            while offset < piece.count {
                if used == filled {
                    let n = read(fd, block.baseAddress, block.count)
                    guard n > 0 else { return false }
                    filled = n
                    used = 0
                }
                let n = min(piece.count - offset, filled - used)
                guard memcmp(block.baseAddress! + used, piece.baseAddress! + offset, n) == 0 else { return false }
                used += n
                offset += n
            }
            return true
        }
        // The file ends where the bytes do (it may have grown since it was measured).
        return same && used == filled && read(fd, block.baseAddress, 1) == 0
    }

    /// The number of bytes.
    var count: Int {
        switch self {
        case .data(let data): return data.count
        case .bytes(let bytes): return bytes.count
        case .text(let text): return text.utf8.count
        case .gathered(let gathered): return gathered.pieces.reduce(0) { $0 + $1.count }
        }
    }

    func equals(_ other: Data) -> Bool {
        other.withUnsafeBytes { equals($0) }
    }

    /// Whether `raw` holds exactly these bytes, compared in order up to the first difference.
    func equals(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard count == raw.count else { return false }
        guard let base = raw.baseAddress else { return true }
        var offset = 0
        return allPieces { bytes in
            defer { offset += bytes.count }
            return bytes.isEmpty || memcmp(base + offset, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// `body` on each piece in order while it returns true; whether it always did.
    func allPieces(_ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        switch self {
        case .data(let data):
            return data.withUnsafeBytes(body)
        case .bytes(let bytes):
            return bytes.withUnsafeBytes(body)
        case .text(var text):
            return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        case .gathered(let gathered):
            return withExtendedLifetime(gathered.owners) {
                gathered.pieces.allSatisfy { body(UnsafeRawBufferPointer($0.buffer)) }
            }
        }
    }

    /// Writes everything to `fd`; false when the file system refused some of it. A page in one
    /// piece goes out as it is; a listing's rows go out with `writev`, from where they lie.
    func write(to fd: Int32) -> Bool {
        switch self {
        case .data(let data):
            return data.withUnsafeBytes { AtomicFile.writeAll(fd, $0) }
        case .bytes(let bytes):
            return bytes.withUnsafeBytes { AtomicFile.writeAll(fd, $0) }
        case .text(var text):
            return text.withUTF8 { AtomicFile.writeAll(fd, UnsafeRawBufferPointer($0)) }
        case .gathered(let gathered):
            return withExtendedLifetime(gathered.owners) { Self.writeGathered(gathered.pieces, to: fd) }
        }
    }

    /// The pieces with `writev`, up to 1,024 at a time (the kernel copies each from where it
    /// lies); a short write finishes with plain writes from where it stopped.
    static func writeGathered(_ pieces: [ByteSpan], to fd: Int32) -> Bool {
        var vectors: [iovec] = []
        vectors.reserveCapacity(1024)
        var next = 0
        while next < pieces.count {
            vectors.removeAll(keepingCapacity: true)
            var total = 0
            let first = next
            while next < pieces.count, vectors.count < 1024 {
                let piece = pieces[next]
                next += 1
                guard piece.count > 0 else { continue }
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: piece.start), iov_len: piece.count))
                total += piece.count
            }
            var done = vectors.isEmpty ? 0 : writev(fd, vectors, Int32(vectors.count))
            if done == total { continue }
            if done < 0 {
                guard errno == EINTR else { return false }
                done = 0
            }
            // Short: skip what was written, then write the rest of this batch piece by piece.
            for piece in pieces[first..<next] where piece.count > 0 {
                if done >= piece.count { done -= piece.count; continue }
                let rest = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(piece.buffer)[done...])
                done = 0
                guard AtomicFile.writeAll(fd, rest) else { return false }
            }
        }
        return true
    }
}
