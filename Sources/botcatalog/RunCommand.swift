import ArgumentParser
import BotCatalog
import Foundation

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the batch job: fetch every bot, save a snapshot, diff, publish the site and reports.")

    @Option(name: .shortAndLong, help: "The YAML configuration file.")
    var config = "botcatalog.yml"

    @Option(help: ArgumentHelp("Write the Markdown change report here.", valueName: "FILE.md"))
    var report: String?

    @Option(name: .customLong("report-json"), help: ArgumentHelp("Write the JSON change report here.", valueName: "FILE.json"))
    var reportJSON: String?

    @Flag(name: .customLong("exit-code"), help: "Exit with 1 when something changed, like `git diff --exit-code`.")
    var exitCode = false

    @Option(help: "Seconds to wait for another run holding the state lock (cron overlap).")
    var wait: Double = 0

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard wait >= 0 else { throw ValidationError("--wait must be 0 or more seconds") }
    }

    func run() async throws {
        let console = Console(verbose: logging.verbose, quiet: logging.quiet)
        let request = RunRequest(configPath: config, reportMarkdown: report, reportJSON: reportJSON,
                                 exitCodeOnChange: exitCode, waitForLock: wait)
        let status = await runPipeline(request, console: console)
        terminate(with: status)
    }
}

/// Runs one pipeline and prints its outcome: the summary line on stdout, errors on stderr.
func runPipeline(_ request: RunRequest, console: Console) async -> ExitStatus {
    let pipeline = Pipeline(logger: console.logger, events: console.handle)
    do {
        let result = try await pipeline.run(request)
        console.finish()
        print(result.summary)
        return result.status
    } catch {
        console.finish()
        printError(error.description)
        return error.status
    }
}
