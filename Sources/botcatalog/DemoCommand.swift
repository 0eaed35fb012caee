import ArgumentParser
import BotCatalog
import BotCatalogMockAPI
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole job twice on the built-in demo catalog (no network, no token).",
        discussion: """
            Starts the stand-in for the seed APIs on 127.0.0.1, runs day 1, switches the stand-in to day 2 \
            (bots added, removed, changed, renamed and moved) and runs again. Open site/index.html afterwards; \
            the changelog shows the day-2 changes. Dates are fixed, so the output is the same on every machine.
            """
    )

    @Option(help: "Where the site is written.")
    var output = "site"

    @Option(help: "Where the demo keeps its configuration, snapshots and history (wiped first).")
    var state = ".botcatalog-demo"

    @Option(help: ArgumentHelp("Write the day-2 Markdown change report here.", valueName: "FILE.md"))
    var report: String?

    @Option(name: .customLong("report-json"), help: ArgumentHelp("Write the day-2 JSON change report here.", valueName: "FILE.json"))
    var reportJSON: String?

    @OptionGroup var logging: LoggingOptions

    static let days = ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z"]

    func run() async throws {
        let folder = URL(fileURLWithPath: state).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: folder) {
            guard FileManager.default.fileExists(atPath: "\(folder)/botcatalog.yml") else {
                printError("\(folder) exists and is not a demo folder; pass --state with another path")
                terminate(with: .usage)
            }
            try FileManager.default.removeItem(atPath: folder)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)

        let server = MockAPIServer(world: .demo(day: 1))
        _ = try await server.start()
        let config = """
            # Written by `botcatalog demo`: the built-in stand-in API on 127.0.0.1.
            title: Demo bot catalog
            output: \(URL(fileURLWithPath: output).standardizedFileURL.path)
            state: \(folder)/state
            sources:
              - name: unltd
                platform: unltd
                url: \(server.unltdURL)
                tokenEnv: DEMO_UNLTD_TOKEN
                public: true
                organizations: [{id: org_support, name: Support}, {id: org_sales, name: Sales}, {id: org_research, name: Research}]
                pageSize: 4
              - name: gptbots
                platform: gptbots
                url: \(server.gptbotsURL)
                keysEnv: [DEMO_GPTBOTS_KEY_SUPPORT, DEMO_GPTBOTS_KEY_SALES]

            """
        try config.write(toFile: "\(folder)/botcatalog.yml", atomically: true, encoding: .utf8)
        let environment = [
            "DEMO_UNLTD_TOKEN": MockDemo.unltdToken,
            "DEMO_GPTBOTS_KEY_SUPPORT": MockDemo.gptbotsSupportKey,
            "DEMO_GPTBOTS_KEY_SALES": MockDemo.gptbotsSalesKey,
        ]
        let console = Console(verbose: logging.verbose, quiet: logging.quiet)
        var status = ExitStatus.done
        for (day, time) in Self.days.enumerated() {
            server.setWorld(.demo(day: day + 1))
            let last = day == Self.days.count - 1
            if !logging.quiet { FileHandle.standardError.write(Data("botcatalog: demo day \(day + 1) of \(Self.days.count) (\(time))\n".utf8)) }
            let request = RunRequest(configPath: "\(folder)/botcatalog.yml", reportMarkdown: last ? report : nil,
                                     reportJSON: last ? reportJSON : nil, environment: environment,
                                     now: Timestamp.date(from: time) ?? Date())
            status = await runPipeline(request, console: console)
            if status != .done { break }
        }
        try? await server.stop()
        if status == .done, !logging.quiet {
            FileHandle.standardError.write(Data("botcatalog: open \(output)/index.html (changes in \(output)/changelog.html)\n".utf8))
        }
        terminate(with: status)
    }
}
