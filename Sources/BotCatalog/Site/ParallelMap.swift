import Foundation

extension Array where Element: Sendable {
    /// `transform` over the elements on `workers` threads, results in order. Below `minimum`
    /// elements (or with one worker) it is a plain `map`: the threads would cost more than they save.
    func parallelMap<U>(workers: Int = ProcessInfo.processInfo.activeProcessorCount, minimum: Int = 256,
                        _ transform: @Sendable (Element) -> U) -> [U] {
        guard count >= minimum, workers > 1 else { return map(transform) }
        return [U](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Each worker initializes its own disjoint range of the buffer.
            nonisolated(unsafe) let base = buffer.baseAddress!
            let total = count
            let chunk = (total + workers - 1) / workers
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in Swift.min(total, w * chunk)..<Swift.min(total, (w + 1) * chunk) { (base + i).initialize(to: transform(self[i])) }
            }
            initialized = total
        }
    }
}
