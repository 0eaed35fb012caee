import ArgumentParser
import BotCatalog
import Foundation

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print one bot's timeline from the changelog history.")

    @Argument(help: "The bot: its id, slug or name (case-insensitive), optionally as SOURCE/ID.")
    var bot: String

    @Option(name: .shortAndLong, help: "The YAML configuration file (for the state folder).")
    var config = "botcatalog.yml"

    func run() async throws {
        do {
            let settings = try ConfigLoader().load(path: config)
            let store = StateStore(folder: settings.state)
            let history = try store.history()
            let snapshot = try store.latestSnapshot()
            let timeline = BotTimeline(history: history, snapshot: snapshot)
            let keys = timeline.matches(bot)
            guard !keys.isEmpty else {
                printError("no bot matches \"\(bot)\" in \(settings.state); try its id, slug or name")
                terminate(with: .usage)
            }
            for key in keys { print(timeline.text(for: key)) }
        } catch let error as ConfigError {
            printError(error.description)
            terminate(with: .usage)
        } catch {
            printError("\(error)")
            terminate(with: .failed)
        }
    }
}
