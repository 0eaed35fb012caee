import AsyncHTTPClient
import Logging
import NIOCore

/// The fetch stage: every source concurrently, each within its own rate limit, with at most
/// `concurrency` requests in flight overall. Never throws: a source that fails is reported
/// in its status so the pipeline can carry its bots over instead of calling them removed.
public struct CatalogFetcher: Sendable {
    public var config: CatalogConfig
    public var credentials: Credentials
    public var events: FetchEventSink
    public var logger: Logger

    public init(config: CatalogConfig, credentials: Credentials, events: @escaping FetchEventSink = { _ in },
                logger: Logger = Logger(label: "botcatalog.fetch")) {
        self.config = config
        self.credentials = credentials
        self.events = events
        self.logger = logger
    }

    public var redactor: Redactor {
        Redactor(secrets: credentials.tokens.values.map(\.value) + credentials.keys.values.flatMap { $0.map(\.value) })
    }

    public func fetchAll() async -> [SourceFetch] {
        let semaphore = AsyncSemaphore(permits: config.concurrency)
        let redactor = self.redactor
        return await withTaskGroup(of: SourceFetch.self) { group in
            for source in config.sources {
                group.addTask { await self.fetch(source, semaphore: semaphore, redactor: redactor) }
            }
            var all: [SourceFetch] = []
            for await result in group { all.append(result) }
            return all.sorted { $0.status.name < $1.status.name }
        }
    }

    func fetch(_ source: SourceConfig, semaphore: AsyncSemaphore, redactor: Redactor) async -> SourceFetch {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(source.connectTimeout * 1000)),
                                      read: .milliseconds(Int64(source.timeout * 1000)))
        // Never follow a redirect: it could carry the Bearer secret to another host.
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let counters = FetchCounters()
        let client = APIClient(source: source, http: http, semaphore: semaphore, counters: counters,
                               events: events, redactor: redactor)
        let progress = SourceProgress(source: source.name, events: events)

        var bots: [Bot] = []
        var problems: [FetchError] = []
        var deleted = Set<String>()
        var scopes = 0
        switch source.platform {
        case .unltd:
            guard let token = credentials.tokens[source.name] else {
                problems = [FetchError(kind: .authentication, source: source.name, scope: "", reason: "no token; set tokenEnv")]
                break
            }
            let result = await UnltdFetcher(client: client, token: token, progress: progress).fetch()
            (bots, problems, scopes) = (result.bots, result.problems, result.listings)
        case .gptbots:
            let keys = credentials.keys[source.name] ?? []
            let result = await GPTBotsFetcher(client: client, keys: keys, progress: progress).fetch()
            (bots, problems, deleted) = (result.bots, result.problems, result.deleted)
            scopes = keys.count
        }
        try? await http.shutdown()

        // Failed: every listing or key had a problem and nothing at all came back.
        let state: SourceState
        if problems.isEmpty {
            state = .complete
        } else if bots.isEmpty && deleted.isEmpty && problems.count >= scopes {
            state = .failed
        } else {
            state = .partial
        }
        let status = SourceStatus(name: source.name, platform: source.platform, state: state,
                                  problems: problems.map { redactor.redact($0.description) },
                                  requests: await counters.requests, bots: bots.count,
                                  rateLimitWaits: await counters.rateLimitWaits, retries: await counters.retries)
        events(.finished(status))
        return SourceFetch(status: status, bots: bots, deletedScopes: deleted)
    }
}
