import Foundation

/// A token or API key. Its description is masked so it cannot reach a log line by accident.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    /// The environment variable it came from, safe to show.
    public let variable: String

    public init(_ value: String, variable: String) {
        self.value = value
        self.variable = variable
    }

    public var description: String { "$\(variable)" }
    public var debugDescription: String { "Secret($\(variable))" }
}

/// The secrets of every source, read from the environment before anything is fetched.
public struct Credentials: Sendable {
    public var tokens: [String: Secret]
    public var keys: [String: [Secret]]

    /// Fails, naming the key and variable, when a variable is unset or empty.
    public static func resolve(_ config: CatalogConfig, file: String, environment: [String: String]) throws(ConfigError) -> Credentials {
        var tokens: [String: Secret] = [:]
        var keys: [String: [Secret]] = [:]
        /// The trimmed value of `variable`, or an error naming the key and what to export.
        func secret(_ variable: String, key: String, holding what: String) throws(ConfigError) -> Secret {
            let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !value.isEmpty else {
                throw ConfigError(file: file, key: key, reason: "environment variable \(variable) is not set; export it with \(what)")
            }
            return Secret(value, variable: variable)
        }
        for (i, source) in config.sources.enumerated() {
            if let variable = source.tokenEnv {
                tokens[source.name] = try secret(variable, key: "sources[\(i)].tokenEnv", holding: "the \(source.name) API token")
            }
            var list: [Secret] = []
            for variable in source.keysEnv {
                list.append(try secret(variable, key: "sources[\(i)].keysEnv", holding: "that bot's GPTBots API key"))
            }
            if !list.isEmpty { keys[source.name] = list }
        }
        return Credentials(tokens: tokens, keys: keys)
    }
}
