import ArgumentParser
import BotCatalog
import Foundation

/// `swift run -c release botcatalog-bench`: times full, 1%-changed and no-change site builds, the
/// diff, the cmark floor, Hugo (when installed) and the fetch from the stand-in, and prints one table.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "botcatalog-bench", abstract: "Benchmarks of botcatalog (release build).")

    @Option(help: "Catalog sizes, comma-separated.")
    var sizes = "1000,10000,50000"

    @Option(help: "Working folder (generated sites, snapshots).")
    var folder = ".build/bench"

    @Option(help: "Phases to run, comma-separated: floor, full, changed, unchanged, diff (changed and unchanged need full).")
    var phases = "floor,full,changed,unchanged,diff"

    @Option(help: "Rounds of the site phases per size; each round runs them all in order, and the table gives medians. Default: 11 below 10,000 bots, 3 from there.")
    var rounds: Int?

    /// Builds of a few milliseconds (below 10,000 bots) swing by a fifth from one process to the
    /// next on this VM: three rounds gave a 1,000-bot 1%-changed share anywhere from 20% to 24%
    /// on the same code. Eleven cost about two seconds more.
    func rounds(for count: Int) -> Int { rounds ?? (count < 10_000 ? 11 : 3) }

    @Option(help: "Nights of history before the benchmark's first day, each with 1% of the bots changed: what the changelog and the bots' timelines hold after that many nightly runs.")
    var historyDays = 0

    @Flag(help: "Skip Hugo even when it is installed.")
    var noHugo = false

    @Flag(help: "Skip the fetch benchmark.")
    var noFetch = false

    @Option(help: "Bots and organizations of the fetch benchmark.")
    var fetchBots = 10_000

    @Option(help: "Organizations of the fetch benchmark.")
    var fetchOrganizations = 50

    @Option(help: "Rate limits to run the fetch benchmark with besides none, comma-separated (e.g. 50/s).")
    var fetchRates = "50/s"

    @Option(help: .hidden) var phase: String?
    @Option(help: .hidden) var size: Int?

    /// The phases a user may ask for (the set-up ones run when needed).
    static let userPhases: [Phase] = [.floor, .full, .changed, .unchanged, .diff]

    var counts: [Int] { sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var selected: [Phase] { phases.split(separator: ",").compactMap { Phase(rawValue: $0.trimmingCharacters(in: .whitespaces)) } }

    /// A misspelt size or phase would otherwise be skipped without a word, and the table come out short.
    func validate() throws {
        guard historyDays >= 0 else { throw ValidationError("--history-days: give a number of nights, 0 or more") }
        for item in sizes.split(separator: ",", omittingEmptySubsequences: false) {
            guard let n = Int(item.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw ValidationError("--sizes: `\(item)` is not a number of bots; give positive whole numbers separated by commas, e.g. 1000,10000")
            }
        }
        for item in phases.split(separator: ",", omittingEmptySubsequences: false) {
            guard let phase = Phase(rawValue: item.trimmingCharacters(in: .whitespaces)), Self.userPhases.contains(phase) else {
                throw ValidationError("--phases: `\(item)` is no phase; choose from \(Self.userPhases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
        if let phase, Phase(rawValue: phase) == nil || size == nil {
            throw ValidationError("--phase \(phase) needs a known phase and --size (it is the benchmark's own child mode)")
        }
    }

    func run() async throws {
        if let phase, let size, let which = Phase(rawValue: phase) {
            // Child mode: one phase, one process, one peak-memory reading.
            let result = try await SiteBenchmark(bots: size, folder: "\(folder)/\(size)", historyDays: historyDays).run(which)
            print("\(result.seconds)\t\(Measure.phasePeakMB ?? Measure.peakMemoryMB)\t\(Measure.phaseCPU)\t\(result.detail)")
            return
        }
        #if DEBUG
        print("warning: this is a debug build; benchmark with `swift run -c release botcatalog-bench`")
        #endif
        print("botcatalog-bench on \(Cores.usable) of the machine's \(ProcessInfo.processInfo.activeProcessorCount) cores"
              + (historyDays > 0 ? ", with \(historyDays) nights of history before the first day" : "") + "\n")
        var rows: [[String]] = [["bots", "phase", "time (s)", "CPU (s)", "peak MB", "vs floor", "vs Hugo", "detail"]]
        let onTmpfs = Measure.isTmpfs(folder)
        for count in counts {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(count)", withIntermediateDirectories: true)
            // Rounds, each running every phase in order: the VM's speed drifts by a fifth or more
            // within minutes, so a ratio is taken within each round (between builds run side by
            // side) and the table gives the medians.
            var runs: [Phase: [(seconds: Double, peak: Double, cpu: Double, detail: String)]] = [:]
            for _ in 0..<rounds(for: count) {
                for phase in Self.userPhases where selected.contains(phase) {
                    if phase == .diff { _ = try child(.diffSetup, count) }
                    if phase == .changed { _ = try child(.spareSetup, count) }
                    runs[phase, default: []].append(try child(phase, count))
                }
                // On tmpfs the set-aside output is memory: kept over the rounds, each round's
                // files go to pages the VM never handed out before, which it backs on their first
                // touch (`dd` into tmpfs here: 190 MB/s the first time, 1.0–1.6 GB/s after). Freed
                // between rounds (never within one), each round writes into recycled pages, as a
                // nightly run does. On a disk the output stays aside to the end (see `setAside`).
                if onTmpfs { Measure.discardSetAside(under: "\(folder)/\(count)") }
            }
            let hugo = noHugo || !selected.contains(.full) ? nil : try HugoBenchmark(bots: count, folder: "\(folder)/\(count)").run()
            let floors = runs[.floor]?.map(\.seconds) ?? []
            let fulls = runs[.full]?.map(\.seconds) ?? []
            for phase in Self.userPhases {
                guard let phaseRuns = runs[phase], let last = phaseRuns.last else { continue }
                let times = phaseRuns.map(\.seconds)
                let seconds = Self.median(times)
                let vsFloor = phase == .full ? Self.medianRatio(times, to: floors).map { String(format: "%.2fx", $0) } ?? "" : ""
                let vsHugo = phase == .full ? hugo.map { String(format: "%.1fx faster", $0.seconds / max(seconds, 1e-9)) } ?? "no hugo" : ""
                let share = phase == .changed || phase == .unchanged
                    ? Self.medianRatio(times, to: fulls).map { String(format: " (%.1f%% of full)", 100 * $0) } ?? "" : ""
                let spread = times.count > 1 ? String(format: "; %d rounds, %.3f–%.3f s", times.count, times.min()!, times.max()!) : ""
                rows.append(["\(count)", phase.label, String(format: "%.3f", seconds), String(format: "%.3f", Self.median(phaseRuns.map(\.cpu))),
                             String(format: "%.0f", phaseRuns.map(\.peak).max()!),
                             vsFloor, vsHugo, last.detail + share + spread])
            }
            if let hugo { rows.append(["\(count)", "hugo", String(format: "%.3f", hugo.seconds), String(format: "%.3f", hugo.cpuSeconds), String(format: "%.0f", hugo.peakMB), "", "", "same pages, tag and organization taxonomies"]) }
        }
        print(Table.render(rows))
        Measure.discardSetAside(under: folder)

        if !noFetch {
            // The fetch in its own process too, without and with a rate limit the stand-in enforces.
            let rates: [String?] = [nil] + fetchRates.split(separator: ",").map { String($0) }
            for rate in rates {
                print("\nFetch of \(fetchBots) bots in \(fetchOrganizations) organizations from the stand-in API, rate limit \(rate ?? "none"):")
                try await FetchBenchmark(bots: fetchBots, organizations: fetchOrganizations, rateLimit: rate).run().printTable()
            }
        }
    }

    /// The middle value (the mean of the two middle ones for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The median of the rounds' ratios, each taken within its round; nil without a reference for every round.
    static func medianRatio(_ times: [Double], to references: [Double]) -> Double? {
        guard references.count == times.count else { return nil }
        return median(zip(times, references).map { $0 / max($1, 1e-9) })
    }

    /// Runs one phase in a child process of this same binary.
    func child(_ phase: Phase, _ count: Int) throws -> (seconds: Double, peak: Double, cpu: Double, detail: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["--phase", phase.rawValue, "--size", String(count), "--folder", folder, "--history-days", String(historyDays)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\t", maxSplits: 3)
        guard process.terminationStatus == 0, fields.count == 4, let seconds = Double(fields[0]), let peak = Double(fields[1]), let cpu = Double(fields[2]) else {
            // The child's own message went to standard error, above this one.
            throw BenchError("phase \(phase.rawValue) for \(count) bots failed (exit status \(process.terminationStatus))")
        }
        return (seconds, peak, cpu, String(fields[3]))
    }
}

/// A benchmark that could not run: said plainly, without the usage text a `ValidationError` brings.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Phase {
    var label: String {
        switch self {
        case .full: return "full build"
        case .changed: return "1% changed"
        case .unchanged: return "no change"
        case .diff: return "diff"
        case .floor: return "cmark floor"
        case .diffSetup: return "diff set-up"
        case .spareSetup: return "spare set-up"
        }
    }
}

/// A plain text table for the terminal and the README.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { n, row in
            let line = "| " + row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
            return n == 0 ? line + "\n|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|" : line
        }.joined(separator: "\n")
    }
}
