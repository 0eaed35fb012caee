import BotCatalog
import BotCatalogMockAPI
import Foundation

/// The fetch stage against the stand-in API on loopback: a synthetic catalog of `bots`
/// organization bots over `organizations` organizations, fetched with the real client and
/// checked to come back exact.
///
/// The client asks for pages of the server's largest size (100), so the fewest possible
/// requests is one per started page of each organization; the result sets the requests the
/// server logged against that minimum. With `rateLimit` the server enforces the same limit,
/// so every 429 in its log is a request the client sent faster than it was told to.
///
/// Peak memory is the whole process's (world, server and client): run it in a fresh process
/// for a figure of its own.
struct FetchBenchmark: Sendable {
    var bots: Int
    var organizations: Int
    var rateLimit: RateLimit?
    /// Requests in flight at once, as `concurrency` in the config.
    var concurrency: Int

    init(bots: Int = 10_000, organizations: Int = 50, rateLimit: RateLimit? = nil, concurrency: Int = 4) {
        self.bots = bots
        self.organizations = organizations
        self.rateLimit = rateLimit
        self.concurrency = concurrency
    }

    /// `rateLimit` as the config writes it, e.g. `100/s`; nil for none.
    init(bots: Int = 10_000, organizations: Int = 50, rateLimit text: String?, concurrency: Int = 4) throws(FetchBenchmarkError) {
        var limit: RateLimit?
        if let text {
            guard let parsed = RateLimit(parsing: text) else {
                throw FetchBenchmarkError(reason: "\"\(text)\" is not a rate; write N/s, N/min or N/h, e.g. 100/s")
            }
            limit = parsed
        }
        self.init(bots: bots, organizations: organizations, rateLimit: limit, concurrency: concurrency)
    }

    /// Starts the server, fetches everything once, stops the server.
    func run() async throws -> FetchBenchmarkResult {
        let world = MockWorld.synthetic(bots: bots, organizations: organizations)
        let server = MockAPIServer(world: world, rateLimit: rateLimit.map(Self.serverLimit))
        _ = try await server.start()
        do {
            let result = try await fetch(world, from: server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    private func fetch(_ world: MockWorld, from server: MockAPIServer) async throws -> FetchBenchmarkResult {
        let source = SourceConfig(name: "bench", platform: .unltd, url: server.unltdURL, tokenEnv: "BENCH_UNLTD_TOKEN",
                                  organizations: world.organizations.map(\.id), pageSize: world.maxPageSize,
                                  rateLimit: rateLimit, retries: 2, retryDelay: 0.05)
        // The fetch stage writes nothing; the paths only satisfy the config.
        let folder = NSTemporaryDirectory() + "botcatalog-bench-fetch"
        let config = CatalogConfig(output: folder + "/site", state: folder + "/state", concurrency: concurrency, sources: [source])
        let credentials = try Credentials.resolve(config, file: "(fetch benchmark)",
                                                  environment: ["BENCH_UNLTD_TOKEN": world.unltdToken])

        let start = ContinuousClock.now
        let fetches = await CatalogFetcher(config: config, credentials: credentials).fetchAll()
        let seconds = (ContinuousClock.now - start).seconds

        // Figures of a fetch that lost or invented bots would flatter it: refuse them.
        guard fetches.count == 1, let fetch = fetches.first else {
            throw FetchBenchmarkError(reason: "expected one source, got \(fetches.count)")
        }
        guard fetch.status.state == .complete else {
            throw FetchBenchmarkError(reason: "the source ended \(fetch.status.state.rawValue): \(fetch.status.problems.joined(separator: "; "))")
        }
        let expected = Set(world.allUnltdBots.compactMap { $0["id"]?.stringValue })
        guard fetch.bots.count == expected.count, Set(fetch.bots.map(\.id)) == expected else {
            throw FetchBenchmarkError(reason: "fetched \(fetch.bots.count) bots, the server holds \(expected.count)")
        }

        let log = server.requests
        let pageSize = min(source.pageSize, world.maxPageSize)
        let minimum = world.organizations.reduce(0) { $0 + max(1, ($1.bots.count + pageSize - 1) / pageSize) }
        return FetchBenchmarkResult(
            bots: fetch.bots.count, organizations: world.organizations.count, requests: log.count,
            minimumRequests: minimum, tooManyRequests: log.filter { $0.status == 429 }.count,
            retries: fetch.status.retries, seconds: seconds, peakMemoryMB: Measure.peakMemoryMB, rateLimit: rateLimit)
    }

    /// The server's side of the client's limit: the same number of requests per window.
    static func serverLimit(_ limit: RateLimit) -> MockRateLimit {
        MockRateLimit(requests: limit.requests, per: .nanoseconds(Int64(limit.perSeconds * 1_000_000_000)))
    }
}

/// What one fetch benchmark measured.
struct FetchBenchmarkResult: Sendable, Equatable {
    var bots: Int
    var organizations: Int
    /// Requests the server received, 429s and retries included.
    var requests: Int
    /// One per started page of each organization.
    var minimumRequests: Int
    /// 429 answers in the server's log.
    var tooManyRequests: Int
    var retries: Int
    /// Wall time of `fetchAll()` alone (not building the world or starting the server).
    var seconds: Double
    /// The process's peak resident memory (VmHWM); 0 where /proc is missing.
    var peakMemoryMB: Double
    var rateLimit: RateLimit?

    var botsPerSecond: Double { Double(bots) / max(seconds, 1e-9) }

    /// The least time the limit allows: the minimum requests spaced one interval apart.
    var lowerBoundSeconds: Double? {
        rateLimit.map { Double(max(minimumRequests - 1, 0)) * $0.interval }
    }

    /// Figure and value, header first, for `Table.render` or a report.
    var rows: [[String]] {
        var rows = [
            ["fetch", "value"],
            ["catalog", "\(bots) bots in \(organizations) organization\(organizations == 1 ? "" : "s")"],
            ["rate limit", rateLimit.map(String.init(describing:)) ?? "none"],
            ["requests", "\(requests) (minimum \(minimumRequests), \(retries) retries)"],
            ["429 answers", "\(tooManyRequests)"],
            ["time", String(format: "%.3f s", seconds)],
            ["throughput", String(format: "%.0f bots/s", botsPerSecond)],
            ["peak memory", String(format: "%.0f MB", peakMemoryMB)],
        ]
        if let lowerBoundSeconds {
            rows.append(["rate-limit floor", String(format: "%.3f s (%.2fx of it)", lowerBoundSeconds, seconds / max(lowerBoundSeconds, 1e-9))])
        }
        return rows
    }

    var table: String { Table.render(rows) }

    func printTable() { print(table) }
}

/// Why a fetch benchmark has no figures.
struct FetchBenchmarkError: Error, CustomStringConvertible {
    var reason: String

    var description: String { "fetch benchmark: \(reason)" }
}
