import Foundation

/// Wall time and peak memory, read the way `/usr/bin/time` does.
enum Measure {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start).seconds
    }

    /// Moves earlier output out of the way instead of deleting it before a timed build: ext4 walks
    /// past recently freed inodes when it creates files, so deleting 10,000 files just before
    /// creating 10,000 makes the build pay for the deletion. `discard` deletes them afterwards.
    static func setAside(_ paths: [String]) -> [String] {
        paths.compactMap { path in
            let aside = "\(path).aside-\(UUID().uuidString.prefix(8))"
            return rename(path, aside) == 0 ? aside : nil
        }
    }

    static func discard(_ paths: [String]) {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }

    /// This process's peak resident memory (VmHWM) in MB.
    static var peakMemoryMB: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// Runs a command; returns its wall time and the peak memory of the largest child (ru_maxrss).
    static func command(_ path: String, _ arguments: [String], in folder: String? = nil) throws -> (seconds: Double, peakMB: Double, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = (ContinuousClock.now - start).seconds
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return (elapsed, Double(usage.ru_maxrss) / 1024, process.terminationStatus)
    }

    static func which(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
