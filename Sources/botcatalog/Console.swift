import BotCatalog
import Foundation
import Logging
import Synchronization

/// Where the pipeline's logs and fetch events go. On a terminal: steps and a live progress line.
/// In cron (stderr not a TTY): quiet, one summary line per source. `--verbose`: every request.
final class Console: Sendable {
    let logger: Logger
    let isTerminal: Bool
    let verbose: Bool
    private let progress = Mutex<[String: String]>([:])
    private let lineShown = Mutex(false)

    init(verbose: Bool, quiet: Bool) {
        isTerminal = isatty(STDERR_FILENO) == 1
        self.verbose = verbose
        var logger = Logger(label: "botcatalog") { _ in StderrLogHandler() }
        logger.logLevel = quiet ? .error : (verbose ? .debug : (isatty(STDERR_FILENO) == 1 ? .info : .notice))
        self.logger = logger
    }

    @Sendable func handle(_ event: FetchEvent) {
        switch event {
        case .request(let source, let method, let path, let status, let ms):
            if verbose { clearLine(); logger.debug("\(source): \(method) \(path) \(status == 0 ? "no response" : String(status)) \(ms) ms") }
        case .progress(let source, let done, let total, let bots):
            update(source, "\(done)/\(total) pages, \(bots) bots")
        case .waiting(let source, let seconds, let reason):
            update(source, "waiting \(Int(seconds.rounded(.up))) s (\(reason))")
            if verbose { logger.debug("\(source): waiting \(String(format: "%.1f", seconds)) s (\(reason))") }
        case .retry(let source, let path, let attempt, let reason):
            if verbose { clearLine(); logger.debug("\(source): retry \(attempt) of \(path): \(reason)") }
        case .finished(let status):
            update(status.name, "\(status.state.rawValue), \(status.bots) bots, \(status.requests) requests")
        }
    }

    private func update(_ source: String, _ text: String) {
        guard isTerminal, !verbose, logger.logLevel <= .info else { return }
        let line = progress.withLock { state -> String in
            state[source] = text
            return state.keys.sorted().map { "\($0): \(state[$0] ?? "")" }.joined(separator: " · ")
        }
        let width = 160
        let shown = line.count > width ? String(line.prefix(width - 1)) + "…" : line
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(shown)".utf8))
        lineShown.withLock { $0 = true }
    }

    private func clearLine() {
        let shown = lineShown.withLock { value -> Bool in
            defer { value = false }
            return value
        }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    func finish() { clearLine() }
}

/// One plain line per log message on stderr: `botcatalog: message`.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix: String
        switch event.level {
        case .warning: prefix = "warning: "
        case .error, .critical: prefix = "error: "
        default: prefix = ""
        }
        FileHandle.standardError.write(Data("botcatalog: \(prefix)\(event.message)\n".utf8))
    }
}
