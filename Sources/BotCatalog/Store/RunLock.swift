import Foundation

/// One run at a time per state folder. An `flock` on `state/lock`: the kernel drops it when
/// the holder exits or is killed, so a crashed run never leaves the state locked.
public final class RunLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Takes the lock, waiting up to `wait` seconds for a running holder to finish.
    public static func acquire(stateFolder: String, wait: Double = 0) throws(StoreError) -> RunLock {
        try AtomicFile.createFolder(stateFolder)
        let path = "\(stateFolder)/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(file: path, reason: "cannot open the lock file (\(AtomicFile.errnoText()))") }
        let deadline = Date().addingTimeInterval(wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                throw StoreError(file: path, reason: "another botcatalog run is using this state folder\(holder.isEmpty ? "" : " (\(holder))"); wait for it to finish, or pass --wait SECONDS")
            }
            usleep(200_000)
        }
        ftruncate(fd, 0)
        let note = "pid \(getpid()) since \(Timestamp.string(from: Date()))\n"
        _ = note.withCString { Glibc.write(fd, $0, strlen($0)) }
        return RunLock(fd: fd, path: path)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
