import ArgumentParser
import BotCatalog
import BotCatalogMockAPI
import Foundation

struct MockAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-api",
        abstract: "Serve the stand-in for the seed APIs on 127.0.0.1, to try templates and configs offline."
    )

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Demo day to serve (1 or 2), unless --bots is given.")
    var day = 1

    @Option(help: "Serve a synthetic catalog of this many bots instead of the demo.")
    var bots: Int?

    @Option(help: "Organizations of the synthetic catalog.")
    var organizations = 10

    @Option(help: "Answer 429 beyond this rate, e.g. 3/min.")
    var rate: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard day == 1 || day == 2 else { throw ValidationError("--day must be 1 or 2") }
        if let bots, bots < 1 { throw ValidationError("--bots must be at least 1") }
        if let rate, RateLimit(parsing: rate) == nil { throw ValidationError("--rate must look like 3/min, 60/min or 10/s") }
    }

    func run() async throws {
        let world = bots.map { MockWorld.synthetic(bots: $0, organizations: organizations, publicBots: min($0, 50), gptbotsKeys: 2) } ?? .demo(day: day)
        var limit: MockRateLimit?
        if let text = rate, let parsed = RateLimit(parsing: text) {
            limit = MockRateLimit(requests: parsed.requests, per: .milliseconds(Int64(parsed.perSeconds * 1000)))
        }
        let server = MockAPIServer(world: world, rateLimit: limit)
        let bound = try await server.start(port: port)
        let orgs = world.organizations.map(\.id)
        let keys = world.gptbotsKeys.keys.sorted()
        print("""
            Serving the seed APIs on 127.0.0.1:\(bound) (Ctrl-C to stop)
              unltd:   \(server.unltdURL)   token: \(world.unltdToken)
              gptbots: \(server.gptbotsURL)   keys: \(keys.joined(separator: ", "))

            A config for it (export MOCK_UNLTD_TOKEN=\(world.unltdToken)\(keys.enumerated().map { " MOCK_GPTBOTS_KEY_\($0.offset + 1)=\($0.element)" }.joined())):
            title: Mock bot catalog
            sources:
              - name: unltd
                platform: unltd
                url: \(server.unltdURL)
                tokenEnv: MOCK_UNLTD_TOKEN
                public: true
                organizations: [\(orgs.joined(separator: ", "))]
              - name: gptbots
                platform: gptbots
                url: \(server.gptbotsURL)
                keysEnv: [\(keys.indices.map { "MOCK_GPTBOTS_KEY_\($0 + 1)" }.joined(separator: ", "))]
            """)
        // Shown at once even when piped: the process usually ends by a signal, which flushes nothing.
        fflush(nil)  // every output stream (Swift 6 forbids touching the `stdout` global)
        // Serve until interrupted.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
