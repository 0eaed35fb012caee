import CBotSystem
import Foundation

/// The cores the build spreads its work over: those the process may run on. Foundation's
/// `activeProcessorCount` counts the machine's, also under an affinity mask (`taskset -c 0`, a
/// container given one CPU), where two workers would only take turns on the one core.
public enum Cores {
    public static let usable: Int = {
        let machine = ProcessInfo.processInfo.activeProcessorCount
        let allowed = Int(botcatalog_allowed_cpus())
        return max(1, allowed > 0 ? min(machine, allowed) : machine)
    }()
}

extension Array where Element: Sendable {
    /// `transform` over the elements on `workers` threads, results in order. Below `minimum`
    /// elements (or with one worker) it is a plain `map`: the threads would cost more than they save.
    func parallelMap<U>(workers: Int = Cores.usable, minimum: Int = 256, beside: [@Sendable () -> Void] = [],
                        _ transform: @Sendable (Element) -> U) -> [U] {
        parallelMapIndexed(workers: workers, minimum: minimum, beside: beside) { transform($1) }
    }

    /// `parallelMap` that also hands over each element's index.
    func parallelMapIndexed<U>(workers: Int = Cores.usable, minimum: Int = 256, beside: [@Sendable () -> Void] = [],
                               _ transform: @Sendable (Int, Element) -> U) -> [U] {
        parallelMapInPlace(workers: workers, minimum: minimum, beside: beside) { transform($0, $1.pointee) }
    }

    /// `parallelMapIndexed` handing over where each element lies, not a copy: copying a bot out
    /// to pass it retains each of its strings and releases them after, which for three passes
    /// over every bot was a tenth of the work before a 1%-changed build writes its pages.
    ///
    /// `beside`: other work run in the same pool, each a unit taken before the elements' chunks
    /// (in order, before the map when it is a plain one): work that needs none of the results,
    /// kept off a thread of its own, which, started while the pool held every core, waited its
    /// turn for up to two milliseconds.
    func parallelMapInPlace<U>(workers: Int = Cores.usable, minimum: Int = 256, beside: [@Sendable () -> Void] = [],
                               _ transform: @Sendable (Int, UnsafePointer<Element>) -> U) -> [U] {
        withUnsafeBufferPointer { elements in
            guard count >= minimum, workers > 1, let start = elements.baseAddress else {
                for unit in beside { unit() }
                guard let start = elements.baseAddress else { return [] }
                return elements.indices.map { transform($0, start + $0) }
            }
            nonisolated(unsafe) let first = start
            return [U](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Each chunk initializes its own disjoint range of the buffer. Several chunks per
                // worker, taken as workers come free: a build runs other work beside (the state
                // files' reads, the `beside` units), and one half per worker would leave a core idle
                // while the half whose thread was interrupted finishes.
                nonisolated(unsafe) let base = buffer.baseAddress!
                let total = count
                let chunks = Swift.min(workers * 8, total)
                let chunk = (total + chunks - 1) / chunks
                DispatchQueue.concurrentPerform(iterations: beside.count + chunks) { unit in
                    guard unit >= beside.count else { return beside[unit]() }
                    let c = unit - beside.count
                    for i in Swift.min(total, c * chunk)..<Swift.min(total, (c + 1) * chunk) { (base + i).initialize(to: transform(i, first + i)) }
                }
                initialized = total
            }
        }
    }
}

/// `first` and `second` side by side: on the caller's thread and one of GCD's, through
/// `concurrentPerform` (done one after the other when no thread is free). A thread of its own,
/// started while other work held both cores, waited its turn for up to two milliseconds.
func sideBySide<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
    let a = Handoff<A>(), b = Handoff<B>()
    DispatchQueue.concurrentPerform(iterations: 2) { unit in
        if unit == 0 { a.fulfill(first()) } else { b.fulfill(second()) }
    }
    return (a.value, b.value)
}

/// A value one thread hands to another (and what `Background` waits on): the bots' facts the
/// digest works out while it walks each bot anyway, for the model made after it
/// (`SiteModel.Parts`), and the results of work run beside a parallel map.
final class Handoff<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchGroup()
    private var result: Value?

    init() { done.enter() }

    /// Once, from the thread that made the value.
    func fulfill(_ value: Value) {
        result = value
        done.leave()
    }

    var value: Value {
        done.wait()
        return result!
    }
}

/// Work started once `count` others are done (each says so once, from any thread); started
/// at once for none.
final class Countdown<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private let start: () -> Value
    private var value: Value?

    init(_ count: Int, start: @escaping () -> Value) {
        left = count
        self.start = start
        if count <= 0 { value = start() }
    }

    func countDown() {
        let last = lock.withLock { () -> Bool in
            left -= 1
            return left == 0
        }
        guard last else { return }
        let started = start()
        lock.withLock { value = started }
    }

    /// What `start` gave, once everything counted down (nil before).
    var started: Value? { lock.withLock { value } }
}

/// Work started on another thread now, its result waited for when first needed: reading a file
/// while the caller works out something else.
///
/// Work handed to GCD is done by the caller itself when no thread has taken it up by the time its
/// value is asked for. The caller is often one of GCD's threads (the build runs as a task), and on
/// one CPU GCD keeps one thread per queue: waiting there for a queued block left the build idle
/// until libdispatch noticed and added a thread, up to a second (a 1,000-bot build took 1.03 s
/// for 0.09 s of work, a run that found no change 0.24 s for 0.03 s).
final class Background<Value: Sendable>: @unchecked Sendable {
    private let result = Handoff<Value>()
    private let claim = NSLock()
    /// The work until a thread takes it up (nil from then on).
    private var work: (@Sendable () -> Value)?

    /// On one of GCD's threads (`queue`'s), or the caller's when none has started it.
    init(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () -> Value) {
        self.work = work
        queue.async { [self] in runUnlessTaken() }
    }

    /// Does the work here unless a thread has taken it up already.
    private func runUnlessTaken() {
        let taken = claim.withLock { () -> (@Sendable () -> Value)? in
            defer { work = nil }
            return work
        }
        if let taken { result.fulfill(taken()) }
    }

    var value: Value {
        runUnlessTaken()
        return result.value
    }
}

/// What a step leaves behind, freed on another thread: a model of 10,000 bots is some 100,000
/// objects, and freeing them takes milliseconds the caller need not wait for. The caller hands
/// over its last references (`consume`), so the freeing happens where it is dropped. Dropping
/// more than once is harmless (a staged site published twice asks twice): the value is taken
/// under a lock, by one block only.
final class Leftovers: @unchecked Sendable {
    private let lock = NSLock()
    private var held: Any?

    init(_ held: Any) { self.held = held }

    func dropInBackground() {
        // On the default queue, whose threads the build's parallel work has started already: a
        // queue of its own (`.utility`) started a thread for it, 0.05 ms on the run's last stretch.
        DispatchQueue.global().async {
            // Taken out here and freed as this block ends, on this thread.
            let taken = self.lock.withLock { () -> Any? in
                defer { self.held = nil }
                return self.held
            }
            _ = consume taken
        }
    }
}
