import Foundation

/// One platform account to catalog.
public struct SourceConfig: Sendable, Equatable {
    public var name: String
    public var platform: Platform
    /// Base URL up to the version, e.g. `https://api.unltd.ai/v1`.
    public var url: String
    /// Name of the environment variable holding the unltd Bearer token.
    public var tokenEnv: String?
    /// Whether to list the public `GET {url}/bots/` too (unltd).
    public var includePublic: Bool
    public var organizations: [String]
    /// Display names for organizations, from the config (`{id, name}` entries).
    public var organizationNames: [String: String] = [:]
    public var pageSize: Int
    public var rateLimit: RateLimit?
    /// Names of the environment variables holding one GPTBots API key each.
    public var keysEnv: [String]
    public var connectTimeout: Double
    public var timeout: Double
    public var retries: Int
    /// First retry delay in seconds; doubled on each retry, with jitter.
    public var retryDelay: Double

    public init(name: String, platform: Platform, url: String, tokenEnv: String? = nil, includePublic: Bool = false,
                organizations: [String] = [], pageSize: Int = 100, rateLimit: RateLimit? = nil, keysEnv: [String] = [],
                connectTimeout: Double = 10, timeout: Double = 30, retries: Int = 4, retryDelay: Double = 1) {
        self.name = name
        self.platform = platform
        self.url = url
        self.tokenEnv = tokenEnv
        self.includePublic = includePublic
        self.organizations = organizations
        self.pageSize = pageSize
        self.rateLimit = rateLimit
        self.keysEnv = keysEnv
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.retries = retries
        self.retryDelay = retryDelay
    }
}

/// The configuration file, validated. Paths are absolute (resolved against the file's folder).
public struct CatalogConfig: Sendable, Equatable {
    public var title: String
    public var output: String
    public var state: String
    public var baseURL: String?
    /// Folder with the user's templates and assets; nil for the built-in `Templates/`.
    public var templates: String?
    /// How many snapshots to keep.
    public var keep: Int
    /// Field paths left out of change detection (e.g. `creditCost`).
    public var ignore: [String]
    /// How many listings are fetched at once across all sources.
    public var concurrency: Int
    public var sources: [SourceConfig]

    public init(title: String = "Bot catalog", output: String, state: String, baseURL: String? = nil,
                templates: String? = nil, keep: Int = 90, ignore: [String] = [], concurrency: Int = 4,
                sources: [SourceConfig]) {
        self.title = title
        self.output = output
        self.state = state
        self.baseURL = baseURL
        self.templates = templates
        self.keep = keep
        self.ignore = ignore
        self.concurrency = concurrency
        self.sources = sources
    }
}
