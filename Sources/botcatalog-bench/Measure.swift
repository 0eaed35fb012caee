import Foundation

/// Wall time and peak memory, read the way `/usr/bin/time` does.
enum Measure {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        mark("start")
        let start = ContinuousClock.now, cpu = cpuSeconds
        try body()
        phaseCPU = cpuSeconds - cpu
        let seconds = (ContinuousClock.now - start).seconds
        mark("end")
        return seconds
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        mark("start")
        let start = ContinuousClock.now, cpu = cpuSeconds
        try await body()
        phaseCPU = cpuSeconds - cpu
        let seconds = (ContinuousClock.now - start).seconds
        mark("end")
        return seconds
    }

    /// With `BOTCATALOG_BENCH_MARKS` set, the timed stretch's ends go to standard error as
    /// `CLOCK_MONOTONIC` seconds, so a profile taken with `perf record -k CLOCK_MONOTONIC` can be cut
    /// to them (`perf report --time START,END`) and leave out the synthetic catalog's generator.
    private static let marks = ProcessInfo.processInfo.environment["BOTCATALOG_BENCH_MARKS"] != nil

    private static func mark(_ name: String) {
        guard marks else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        FileHandle.standardError.write(Data("bench-mark \(name) \(now.tv_sec).\(String(format: "%09d", now.tv_nsec))\n".utf8))
    }

    /// The CPU time (user and system, all threads) of the last timed stretch: against the wall
    /// time it tells how much of both cores a phase used, and it drifts less than the wall time
    /// when the VM's other core is taken.
    nonisolated(unsafe) static var phaseCPU: Double = 0

    /// This process's CPU time so far, user and system, all threads.
    static var cpuSeconds: Double { cpuSeconds(usage(RUSAGE_SELF.rawValue)) }

    /// The resource usage of this process (`RUSAGE_SELF`) or of its children that ended and were
    /// waited for (`RUSAGE_CHILDREN`).
    private static func usage(_ who: Int32) -> rusage {
        var usage = rusage()
        getrusage(who, &usage)
        return usage
    }

    /// User and system time in a usage reading.
    private static func cpuSeconds(_ usage: rusage) -> Double {
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Moves earlier output out of the way instead of deleting it before a timed build: ext4 skips
    /// inodes freed in the last minutes when it creates files, so deleting 10,000 files just before
    /// creating 10,000 makes the build pay for the deletion, which a nightly run (whose last
    /// deletions are a day old) never does. `discardSetAside` deletes them all once every phase ran.
    static func setAside(_ paths: [String]) {
        for path in paths { rename(path, "\(path).aside-\(UUID().uuidString.prefix(8))") }
    }

    /// Whether `folder` is on tmpfs (memory), where deleting files frees memory and nothing else.
    /// Read from `/proc/self/mountinfo`: the file system of the deepest mount point above it.
    static func isTmpfs(_ folder: String) -> Bool {
        let path = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard let mounts = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count > 4, let type = halves[1].split(separator: " ").first else { continue }
            let point = String(fields[4])
            let holds = point == "/" || path == point || path.hasPrefix(point + "/")
            if holds, point.count >= (best?.point.count ?? -1) { best = (point, String(type)) }
        }
        return best?.type == "tmpfs"
    }

    static func discardSetAside(under folder: String) {
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return }
        var found: [String] = []
        while let path = walk.nextObject() as? String {
            if (path as NSString).lastPathComponent.contains(".aside-") {
                found.append("\(folder)/\(path)")
                walk.skipDescendants()
            }
        }
        for path in found { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Starts the peak-memory count again from the current resident size (Linux `clear_refs`),
    /// so a phase's peak is its own and not the synthetic catalog generator's.
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// A phase's peak, read as soon as its timed part ends (nil: read at the end of the phase),
    /// so that the untimed work after it (putting day 1 back for the next phase) does not count.
    nonisolated(unsafe) static var phasePeakMB: Double?

    /// This process's peak resident memory (VmHWM) in MB.
    static var peakMemoryMB: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// Runs a command; returns its wall time, its CPU time (the children's, before and after) and
    /// the peak memory of the largest child (ru_maxrss).
    static func command(_ path: String, _ arguments: [String], in folder: String? = nil) throws -> (seconds: Double, cpuSeconds: Double, peakMB: Double, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now, before = cpuSeconds(usage(RUSAGE_CHILDREN.rawValue))
        try process.run()
        process.waitUntilExit()
        let elapsed = (ContinuousClock.now - start).seconds
        let after = usage(RUSAGE_CHILDREN.rawValue)
        return (elapsed, cpuSeconds(after) - before, Double(after.ru_maxrss) / 1024, process.terminationStatus)
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
