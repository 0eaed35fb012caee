import Foundation

@testable import BotCatalog

/// Runs the real `botcatalog` executable (built by `swift build`, as the README's test command does).
enum BinaryRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var path: String? {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("botcatalog").path,
            TestSupport.packageRoot.appendingPathComponent(".build/debug/botcatalog").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func start(_ arguments: [String], environment: [String: String], in folder: String) throws -> (Process, Pipe, Pipe) {
        guard let path else { throw TestFailure("the botcatalog executable is not built; run `swift build` before `swift test` (as the README says)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DEMO_") }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: String) throws -> Output {
        let (process, out, err) = try start(arguments, environment: environment, in: folder)
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
