import ArgumentParser
import BotCatalog
import Foundation

@main
struct BotCatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "botcatalog",
        abstract: "Catalog the AI bots of hosted bot platforms: fetch, snapshot, diff, publish a static site and a change report.",
        discussion: """
            Exit codes: 0 done; 1 done and something changed (only with --exit-code); 2 usage or config error \
            (nothing fetched, nothing written); 3 done partially (a source or organization failed: its bots \
            carried over and marked stale, none reported removed); 4 failed (nothing published, previous state untouched).
            """,
        subcommands: [Run.self, Demo.self, MockAPI.self, Diff.self, History.self]
    )

    /// Like the default, except that usage errors exit with 2, as the README documents
    /// (ArgumentParser's own default for them is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log every step and request (method, path, status, ms).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Only errors and the final summary line.")
    var quiet = false
}

/// Maps a pipeline outcome to the process exit code, printing errors as one clear line.
func terminate(with status: ExitStatus) -> Never {
    Foundation.exit(status.rawValue)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data("botcatalog: \(text)\n".utf8))
}
