import ArgumentParser
import BotCatalog
import Foundation

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare two snapshot files offline, with the same report options as `run`.")

    @Argument(help: "The older snapshot (a file under STATE/snapshots/).")
    var old: String

    @Argument(help: "The newer snapshot.")
    var new: String

    @Option(help: ArgumentHelp("Write the Markdown change report here.", valueName: "FILE.md"))
    var report: String?

    @Option(name: .customLong("report-json"), help: ArgumentHelp("Write the JSON change report here.", valueName: "FILE.json"))
    var reportJSON: String?

    @Option(help: "Field paths left out of change detection, comma-separated (like the config's `ignore`).")
    var ignore: String?

    @Flag(name: .customLong("exit-code"), help: "Exit with 1 when something changed.")
    var exitCode = false

    func run() async throws {
        do {
            // Skims both files and parses only the bots that differ: fast and light on large catalogs.
            let result = try SnapshotFileDiff(ignore: ignore?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
                .diff(old: old, new: new)
            let changes = result.changes
            let after = result.new
            let report = ChangeReport(title: "botcatalog diff", at: after.takenAt, changes: changes, sources: after.sources)
            if let path = self.report { try AtomicFile.write(Data(report.markdown().utf8), to: path) }
            if let path = reportJSON { try AtomicFile.write(JSONWriter.data(report.json()), to: path) }
            if self.report == nil && reportJSON == nil { print(report.markdown(), terminator: "") } else { print(report.summaryLine(botCount: after.botCount)) }
            terminate(with: exitCode && !changes.isEmpty ? .changed : .done)
        } catch {
            printError("\(error)")
            terminate(with: .failed)
        }
    }
}
