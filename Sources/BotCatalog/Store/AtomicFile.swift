import Foundation

/// Writes files so that a crash at any moment leaves either the old file or the new one:
/// write a temporary file beside it, fsync it, rename it over, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to target: String) throws(StoreError) {
        try write(to: target) { sink in data.withUnsafeBytes { sink.write($0) } }
    }

    /// Writes what `fill` gives to its sink, buffered, with the same guarantees: for files too
    /// large to build in memory first.
    public static func write(to target: String, _ fill: (inout Sink) -> Void) throws(StoreError) {
        try prepare(to: target, fill).commit()
    }

    /// The first half of `write`: the temporary file written and synced beside `target`, to be
    /// renamed over it by `commit`, when the file's turn comes (a file that must not replace
    /// its target before another has replaced its own can be written beforehand, on another
    /// thread). Dropped uncommitted, it is removed.
    public static func prepare(to target: String, _ fill: (inout Sink) -> Void) throws(StoreError) -> Prepared {
        let path = standardized(target)
        let folder = (path as NSString).deletingLastPathComponent
        // Mostly the folder is there and writable, which one call tells (`createFolder` goes
        // through Foundation, three times on a nightly build's last stretch).
        if access(folder, W_OK) != 0 { try createFolder(folder) }
        let temp = "\(folder)/\(temporaryPrefix(of: path))\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(file: path, reason: "cannot create a file here (\(errnoText())); check that the folder is writable") }
        var sink = Sink(fd: fd)
        fill(&sink)
        sink.flush()
        var ok = sink.error == nil
        let reason = sink.error ?? ""
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok else {
            unlink(temp)
            throw StoreError(file: path, reason: "cannot write (\(reason.isEmpty ? errnoText() : reason)); check free disk space")
        }
        return Prepared(path: path, folder: folder, temp: temp)
    }

    /// A file written and synced under a temporary name, waiting to replace its target.
    public final class Prepared: @unchecked Sendable {
        let path: String
        let folder: String
        private let temp: String
        private let lock = NSLock()
        private var done = false

        init(path: String, folder: String, temp: String) {
            self.path = path
            self.folder = folder
            self.temp = temp
        }

        /// Whether this call is the first to commit or discard (the one that does it).
        private func claim() -> Bool {
            lock.withLock { defer { done = true }; return !done }
        }

        /// Renames the file over its target and syncs the folder; once (a second call does nothing).
        public func commit() throws(StoreError) {
            guard claim() else { return }
            guard rename(temp, path) == 0 else {
                let text = AtomicFile.errnoText()
                unlink(temp)
                throw StoreError(file: path, reason: "cannot replace the file (\(text))")
            }
            AtomicFile.syncFolder(folder)
        }

        /// Removes the temporary file unless it was committed (the run that wrote it failed).
        public func discard() {
            guard claim() else { return }
            unlink(temp)
        }

        deinit {
            if !done { unlink(temp) }
        }
    }

    /// How the temporary files of `path` are named in its folder (the process and a random number follow).
    static func temporaryPrefix(of path: String) -> String {
        ".\((path as NSString).lastPathComponent).tmp-"
    }

    /// Removes the temporary files that killed processes left beside `files`, but this process's
    /// own (which may be waiting to be committed). Only when no other process writes those
    /// files (the run lock).
    static func removeLeftovers(of files: [String]) {
        let mine = "tmp-\(getpid())-"
        for (folder, names) in Dictionary(grouping: files, by: { ($0 as NSString).deletingLastPathComponent }) {
            let prefixes = names.map(temporaryPrefix)
            for file in FolderNames.of(folder) where prefixes.contains(where: file.hasPrefix) && !file.contains(mine) {
                unlink("\(folder)/\(file)")
            }
        }
    }

    /// `target` as an absolute path without `.` or `..` parts. Foundation's `URL` is asked only when
    /// there is something to resolve: the state files are written at absolute, plain paths.
    static func standardized(_ target: String) -> String {
        let plain = target.hasPrefix("/") && !target.contains("//") && !target.hasSuffix("/")
            && !target.split(separator: "/").contains { $0 == "." || $0 == ".." }
        return plain ? target : URL(fileURLWithPath: target).standardizedFileURL.path
    }

    /// Bytes on their way to a file: small pieces gathered into 64 KB writes, larger ones written
    /// as they are. The first failure is kept and stops the rest. (A buffer of 1 MB, taken for
    /// every file, was memory mapped afresh and unmapped each time: the three state files a
    /// nightly build writes last faulted it in page by page, on the build's last stretch.)
    public struct Sink {
        let fd: Int32
        private var buffer: [UInt8] = []
        private(set) var error: String?

        init(fd: Int32) {
            self.fd = fd
        }

        static let size = 1 << 16

        public mutating func write(_ bytes: UnsafeRawBufferPointer) {
            guard error == nil else { return }
            if buffer.count + bytes.count > Self.size { flush() }
            if bytes.count >= Self.size { put(bytes); return }
            if buffer.capacity == 0 { buffer.reserveCapacity(Self.size) }
            buffer.append(contentsOf: bytes)
        }

        public mutating func write(_ text: String) {
            var text = text
            text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }

        mutating func flush() {
            guard !buffer.isEmpty else { return }
            let fd = self.fd
            if error == nil, !buffer.withUnsafeBytes({ AtomicFile.writeAll(fd, $0) }) { error = AtomicFile.errnoText() }
            buffer.removeAll(keepingCapacity: true)
        }

        private mutating func put(_ bytes: UnsafeRawBufferPointer) {
            if error == nil, !AtomicFile.writeAll(fd, bytes) { error = AtomicFile.errnoText() }
        }
    }

    /// Writes all of `bytes` to `fd`, going on after interrupted or short writes; false when the
    /// file system refuses (`errno` says why).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    public static func createFolder(_ folder: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(file: folder, reason: "cannot create the folder (\((error as NSError).localizedDescription)); check the path and permissions")
        }
        guard access(folder, W_OK) == 0 else {
            throw StoreError(file: folder, reason: "the folder is not writable; fix its permissions or choose another path")
        }
    }

    /// Makes a rename durable.
    public static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A problem with the state folder or a file in it, naming the file.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
