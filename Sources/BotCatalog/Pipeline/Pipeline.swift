import Foundation
import Logging

/// How a run ended, as the exit code the README documents.
public enum ExitStatus: Int32, Sendable {
    /// Done, nothing changed (or changes without `--exit-code`).
    case done = 0
    /// Done and something changed (only with `--exit-code`).
    case changed = 1
    /// Usage or config error: nothing fetched, nothing written.
    case usage = 2
    /// Done partially: a source or organization failed; its bots were carried over as stale.
    case partial = 3
    /// Failed: nothing published, previous state untouched.
    case failed = 4
}

/// What one run is asked to do.
public struct RunRequest: Sendable {
    public var configPath: String
    public var reportMarkdown: String?
    public var reportJSON: String?
    public var exitCodeOnChange: Bool
    public var environment: [String: String]
    /// The run's time; injected so tests and the demo are deterministic. Nil: the clock, read once
    /// the state lock is held (a run that waited for another must not share its second).
    public var now: Date?
    /// Seconds to wait for another run holding the state lock.
    public var waitForLock: Double

    public init(configPath: String, reportMarkdown: String? = nil, reportJSON: String? = nil, exitCodeOnChange: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment, now: Date? = nil, waitForLock: Double = 0) {
        self.configPath = configPath
        self.reportMarkdown = reportMarkdown
        self.reportJSON = reportJSON
        self.exitCodeOnChange = exitCodeOnChange
        self.environment = environment
        self.now = now
        self.waitForLock = waitForLock
    }
}

/// What one run did.
public struct RunResult: Sendable {
    public var status: ExitStatus
    public var summary: String
    public var changes: ChangeSet
    public var snapshot: Snapshot
    public var site: SiteBuilder.Stats
}

/// A failed step, named, with the exit status it maps to.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var step: String
    public var message: String
    public var status: ExitStatus

    public var description: String { "\(step) failed: \(message)" }
}

/// The batch job as a table of contents: each step is named, logged as `[i/n] step`,
/// and any error is wrapped with the name of the step that failed.
public struct Pipeline: Sendable {
    public var logger: Logger
    public var events: FetchEventSink

    public init(logger: Logger = Logger(label: "botcatalog"), events: @escaping FetchEventSink = { _ in }) {
        self.logger = logger
        self.events = events
    }

    static let steps = [
        "Read configuration", "Lock state", "Load previous snapshot", "Load templates", "Fetch bots",
        "Merge and diff", "Render site", "Save snapshot and history", "Publish site", "Write reports",
    ]

    func step<T>(_ n: Int, _ status: ExitStatus = .failed, _ body: () async throws -> T) async throws(PipelineError) -> T {
        let name = Self.steps[n - 1]
        logger.info("[\(n)/\(Self.steps.count)] \(name)")
        do {
            return try await body()
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(step: name, message: "\(error)", status: status)
        }
    }

    public func run(_ request: RunRequest) async throws(PipelineError) -> RunResult {
        let (config, credentials) = try await step(1, .usage) {
            let config = try ConfigLoader().load(path: request.configPath)
            return (config, try Credentials.resolve(config, file: request.configPath, environment: request.environment))
        }
        let lock = try await step(2) { () throws -> RunLock in
            try Self.checkWritable(parentOf: config.output, key: "output")
            return try RunLock.acquire(stateFolder: config.state, wait: request.waitForLock)
        }
        defer { withExtendedLifetime(lock) {} }
        let store = StateStore(folder: config.state, keep: config.keep)
        let (previous, history) = try await step(3) { (try store.latestSnapshot(), try store.history()) }
        let now = Self.runTime(request.now ?? Date(), after: previous?.takenAt)
        let templates = try await step(4, .usage) {
            try TemplateSet.load(from: config.templates ?? TemplateSet.builtInFolder)
        }
        // Fetching never throws: each source's failure is in its status, so the run can go on partially.
        logger.info("[5/\(Self.steps.count)] \(Self.steps[4])")
        let fetches = await CatalogFetcher(config: config, credentials: credentials, events: events, logger: logger).fetchAll()
        for fetch in fetches {
            let s = fetch.status
            logger.notice("\(s.name): \(s.state.rawValue), \(fetch.bots.count) bots, \(s.requests) requests\(s.retries > 0 ? ", \(s.retries) retries" : "")\(s.rateLimitWaits > 0 ? ", \(s.rateLimitWaits) rate-limit waits" : "")")
            for problem in s.problems { logger.warning("\(problem)") }
        }
        if !fetches.isEmpty, fetches.allSatisfy({ $0.status.state == .failed }) {
            throw PipelineError(step: Self.steps[4], message: "every source failed, so nothing was published and the previous state is untouched:\n"
                                + fetches.flatMap(\.status.problems).joined(separator: "\n"), status: .failed)
        }

        let (snapshot, changes) = try await step(6) { () -> (Snapshot, ChangeSet) in
            var snapshot = CatalogMerger.merge(previous: previous, fetches: fetches, at: now)
            let changes = Differ(ignore: config.ignore).changes(from: previous, to: snapshot)
            CatalogMerger.stampChanges(&snapshot, changes)
            return (snapshot, changes)
        }
        // Filed now: the site digests the entry by its file's print, as the runs after this one will.
        let entry = changes.isEmpty ? nil : HistoryFile(HistoryEntry(at: now, changes: changes))
        let builder = SiteBuilder(output: config.output, manifestPath: "\(config.state)/site-manifest.json", templates: templates)
        let staged = try await step(7) {
            try await builder.stage(SiteInput(title: config.title, baseURL: config.baseURL, snapshot: snapshot, history: history + (entry.map { [$0.entry] } ?? [])))
        }
        do {
            try await step(8) { try store.commit(snapshot, historyFile: entry) }
        } catch {
            staged.discard()
            throw error
        }
        try await step(9) { try staged.publish() }

        let report = ChangeReport(title: config.title, at: now, changes: changes, sources: snapshot.sources,
                                  baseURL: config.baseURL, botPaths: staged.botPaths)
        try await step(10) {
            if let path = request.reportMarkdown { try AtomicFile.write(Data(report.markdown().utf8), to: path) }
            if let path = request.reportJSON { try AtomicFile.write(JSONWriter.data(report.json()), to: path) }
        }
        let status: ExitStatus = !snapshot.isComplete ? .partial : (request.exitCodeOnChange && !changes.isEmpty ? .changed : .done)
        logger.info("site: \(staged.stats.pages) files, \(staged.stats.rendered) rendered, \(staged.stats.written) written")
        return RunResult(status: status, summary: report.summaryLine(botCount: snapshot.entries.count), changes: changes,
                         snapshot: snapshot, site: staged.stats)
    }

    /// The run's timestamp: one second after the previous snapshot when a quick re-run lands in
    /// the same second, so snapshot files stay in order.
    static func runTime(_ date: Date, after previous: String?) -> String {
        let now = Timestamp.string(from: date)
        guard let previous, previous >= now, let last = Timestamp.date(from: previous),
              last.timeIntervalSince(date) < 60 else { return now }
        return Timestamp.string(from: last.addingTimeInterval(1))
    }

    static func checkWritable(parentOf path: String, key: String) throws(ConfigError) {
        let parent = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw ConfigError(file: path, key: key, reason: "its parent folder \(parent) does not exist; create it or fix `\(key)`")
        }
        guard access(parent, W_OK) == 0 else {
            throw ConfigError(file: path, key: key, reason: "its parent folder \(parent) is not writable; fix the permissions or `\(key)`")
        }
    }
}
