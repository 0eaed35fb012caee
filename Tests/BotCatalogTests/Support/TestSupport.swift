import Foundation
import Logging
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

/// Paths and helpers shared by the specifications.
enum TestSupport {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures")
    static let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    /// Set `BOTCATALOG_RECORD=1` to re-record golden files deliberately.
    static var recording: Bool { ProcessInfo.processInfo.environment["BOTCATALOG_RECORD"] == "1" }

    static func temporaryFolder(_ name: String = #function) throws -> String {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "botcatalog-tests/\(safe)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Compares `actual` with the golden file, or writes it when recording.
    static func assertGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = fixtures.appendingPathComponent("Golden").appendingPathComponent(name).path
        if recording || !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            if !recording { Issue.record("golden file \(name) was missing and has been recorded; check it in", sourceLocation: sourceLocation) }
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "differs from golden file \(name); re-record with BOTCATALOG_RECORD=1 if intended", sourceLocation: sourceLocation)
    }

    /// Every file under a folder, relative path → bytes.
    static func files(under folder: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for path in (try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? [] {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: "\(folder)/\(path)", isDirectory: &isDir)
            if !isDir.boolValue, let data = FileManager.default.contents(atPath: "\(folder)/\(path)") { out[path] = data }
        }
        return out
    }

    /// Tests keep the pipeline's log out of the test output.
    static var quietLogger: Logger {
        var logger = Logger(label: "botcatalog.tests")
        logger.logLevel = .critical
        return logger
    }

    static func json(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw TestFailure("missing \(path)") }
        return try JSONReader.read(data)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The demo, in process: the stand-in API on loopback and a config pointing at it, in a temp folder.
final class DemoHarness: Sendable {
    static let days = ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z", "2026-01-08T09:00:00Z", "2026-01-09T09:00:00Z", "2026-01-10T09:00:00Z"]

    let server: MockAPIServer
    let folder: String
    let environment: [String: String]

    var configPath: String { "\(folder)/botcatalog.yml" }
    var site: String { "\(folder)/site" }
    var state: String { "\(folder)/state" }

    init(world: MockWorld = .demo(day: 1), folder: String, extraConfig: String = "", sourceOptions: String = "") async throws {
        server = MockAPIServer(world: world)
        _ = try await server.start()
        self.folder = folder
        environment = [
            "DEMO_UNLTD_TOKEN": world.unltdToken,
            "DEMO_GPTBOTS_KEY_SUPPORT": MockDemo.gptbotsSupportKey,
            "DEMO_GPTBOTS_KEY_SALES": MockDemo.gptbotsSalesKey,
        ]
        let orgs = world.organizations.map(\.id).joined(separator: ", ")
        // No test waits for the read timeout (the hang specs set their own): it is long enough for a
        // run under ThreadSanitizer, which slows the stand-in about tenfold while the other suites run
        // beside it (at 2 s the hostile site's fetch timed out there).
        let config = """
            title: Demo bot catalog
            output: site
            state: state
            \(extraConfig)
            sources:
              - name: unltd
                platform: unltd
                url: \(server.unltdURL)
                tokenEnv: DEMO_UNLTD_TOKEN
                public: true
                organizations: [\(orgs)]
                pageSize: 4
                retries: 1
                retryDelay: 0.01
                timeout: 10
            \(sourceOptions)
              - name: gptbots
                platform: gptbots
                url: \(server.gptbotsURL)
                keysEnv: [DEMO_GPTBOTS_KEY_SUPPORT, DEMO_GPTBOTS_KEY_SALES]
                retries: 1
                retryDelay: 0.01

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func run(day: Int, report: Bool = true, exitCode: Bool = false) async throws(PipelineError) -> RunResult {
        let request = RunRequest(configPath: configPath,
                                 reportMarkdown: report ? "\(folder)/report-\(day).md" : nil,
                                 reportJSON: report ? "\(folder)/report-\(day).json" : nil,
                                 exitCodeOnChange: exitCode, environment: environment,
                                 now: Timestamp.date(from: Self.days[day - 1])!)
        return try await Pipeline(logger: TestSupport.quietLogger).run(request)
    }

    func stop() async {
        try? await server.stop()
    }
}
