import CBotSystem
import Foundation

/// Starts putting the staged pages on disk while more are being written: `syncfs` on another
/// thread every tenth of a second, so the one that must finish before the swap has little left
/// to wait for (on ext4, 0.15 s of a 10,000-bot build when it had all of it). The kernel would
/// otherwise hold the pages in memory for half a minute. Nothing to do on tmpfs.
///
/// On a thread of its own: a block queued to GCD may not start before the build ends (on one CPU
/// GCD keeps one thread per queue), and `stop` would then wait for it.
final class Writeback: @unchecked Sendable {
    private let fd: Int32
    private let stopping = DispatchSemaphore(value: 0)
    private let finished = DispatchGroup()

    init(folder: String) {
        fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        finished.enter()
        let thread = Thread { [self] in
            while stopping.wait(timeout: .now() + 0.1) == .timedOut { botcatalog_syncfs(fd) }
            finished.leave()
        }
        thread.start()
    }

    /// Stops the flushing (the caller's own `syncfs` makes sure of the rest).
    func stop() {
        guard fd >= 0 else { return }
        stopping.signal()
        finished.wait()
        close(fd)
    }
}
