/// Why one listing (an organization, the public list, or a GPTBots key) could not be fetched.
/// The message names the source and scope and says what to fix; it never holds a secret.
public struct FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unreachable
        case timeout
        case authentication
        case forbidden
        case notFound
        case rateLimited
        case server
        case invalidResponse
        case incomplete
        case other
    }

    public var kind: Kind
    public var source: String
    /// `organization org_a`, `public list`, `key $VAR`, or empty for the source as a whole.
    public var scope: String
    public var reason: String

    public init(kind: Kind, source: String, scope: String, reason: String) {
        self.kind = kind
        self.source = source
        self.scope = scope
        self.reason = reason
    }

    public var description: String {
        scope.isEmpty ? "source \(source): \(reason)" : "source \(source), \(scope): \(reason)"
    }
}
