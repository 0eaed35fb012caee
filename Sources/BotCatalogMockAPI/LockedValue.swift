import Foundation

/// A value guarded by a lock.
///
/// `Synchronization.Mutex` would do, but it needs macOS 15 and the package supports
/// macOS 14; NIOConcurrencyHelpers is not a declared dependency of this target.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    // Safe because `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
