/// A configuration problem: where it is and how to fix it.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The config file.
    public var file: String
    /// The key path, e.g. `sources[1].rateLimit`; empty for the file as a whole.
    public var key: String
    /// What is wrong and what to write instead.
    public var reason: String

    public init(file: String, key: String, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)"
    }
}
