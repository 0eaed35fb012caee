import Foundation
import Yams

/// Reads and validates `botcatalog.yml`. Every problem names the key and the fix;
/// unknown keys are errors (with a suggestion) so a typo never silently does nothing.
public struct ConfigLoader: Sendable {
    public init() {}

    static let topKeys = ["title", "output", "state", "baseURL", "templates", "keep", "ignore", "concurrency", "sources"]
    static let sourceKeys = ["name", "platform", "url", "tokenEnv", "public", "organizations", "pageSize", "rateLimit",
                             "keysEnv", "connectTimeout", "timeout", "retries", "retryDelay"]

    public func load(path: String) throws(ConfigError) -> CatalogConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, key: "", reason: "cannot read the config file (\(Self.reason(error))); pass an existing YAML file with --config")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, file: path, relativeTo: folder)
    }

    /// Parses YAML text; relative paths in it are resolved against `folder`.
    public func parse(_ text: String, file: String, relativeTo folder: String) throws(ConfigError) -> CatalogConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(file: file, key: "", reason: "is not valid YAML: \(Self.yamlReason(error))")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw ConfigError(file: file, key: "", reason: "must be a YAML mapping with at least `sources:`; see the README for an example")
        }
        let top = try Fields(mapping, path: "", file: file, allowed: Self.topKeys)

        let title = try top.string("title") ?? "Bot catalog"
        let output = Self.resolve(try top.string("output") ?? "site", against: folder)
        let state = Self.resolve(try top.string("state") ?? ".botcatalog", against: folder)
        if output == state {
            throw ConfigError(file: file, key: "state", reason: "must differ from `output` (the site folder is replaced on every run)")
        }
        var baseURL = try top.string("baseURL")
        if let url = baseURL {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ConfigError(file: file, key: "baseURL", reason: "\"\(url)\" is not an http(s) URL; write e.g. https://docs.example.com/bots/")
            }
            if !url.hasSuffix("/") { baseURL = url + "/" }
        }
        let templates = try top.string("templates").map { Self.resolve($0, against: folder) }
        let keep = try top.int("keep", range: 1...100_000) ?? 90
        let ignore = try top.stringList("ignore") ?? []
        let concurrency = try top.int("concurrency", range: 1...64) ?? 4

        guard let sourcesNode = top.node("sources") else {
            throw ConfigError(file: file, key: "sources", reason: "is missing; list at least one source (name, platform, url)")
        }
        guard case .sequence(let sequence) = sourcesNode, !sequence.isEmpty else {
            throw ConfigError(file: file, key: "sources", reason: "must be a non-empty list of sources")
        }
        var sources: [SourceConfig] = []
        var names = Set<String>()
        for (i, node) in sequence.enumerated() {
            let path = "sources[\(i)]"
            guard case .mapping(let m) = node else {
                throw ConfigError(file: file, key: path, reason: "must be a mapping with name, platform and url")
            }
            let source = try parseSource(Fields(m, path: path, file: file, allowed: Self.sourceKeys), path: path, file: file)
            guard names.insert(source.name).inserted else {
                throw ConfigError(file: file, key: "\(path).name", reason: "\"\(source.name)\" is used by an earlier source; source names must be unique")
            }
            sources.append(source)
        }
        return CatalogConfig(title: title, output: output, state: state, baseURL: baseURL, templates: templates,
                             keep: keep, ignore: ignore, concurrency: concurrency, sources: sources)
    }

    private func parseSource(_ f: Fields, path: String, file: String) throws(ConfigError) -> SourceConfig {
        guard let name = try f.string("name"), !name.isEmpty else {
            throw ConfigError(file: file, key: "\(path).name", reason: "is missing; give the source a unique name")
        }
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw ConfigError(file: file, key: "\(path).name", reason: "\"\(name)\" may use only letters, digits, '.', '_' and '-' (it names files and URLs)")
        }
        guard let platformText = try f.string("platform") else {
            throw ConfigError(file: file, key: "\(path).platform", reason: "is missing; write `platform: unltd` or `platform: gptbots`")
        }
        guard let platform = Platform(rawValue: platformText) else {
            throw ConfigError(file: file, key: "\(path).platform", reason: "\"\(platformText)\" is not a platform; write unltd or gptbots")
        }
        guard let url = try f.string("url") else {
            throw ConfigError(file: file, key: "\(path).url", reason: "is missing; write the API base, e.g. https://api.unltd.ai/v1")
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw ConfigError(file: file, key: "\(path).url", reason: "\"\(url)\" is not an http(s) URL; write e.g. https://api.unltd.ai/v1")
        }
        var rateLimit: RateLimit?
        if let text = try f.string("rateLimit") {
            guard let parsedRate = RateLimit(parsing: text) else {
                throw ConfigError(file: file, key: "\(path).rateLimit", reason: "\"\(text)\" is not a rate; write N/s, N/min or N/h, e.g. 3/min")
            }
            rateLimit = parsedRate
        }
        var source = SourceConfig(name: name, platform: platform, url: url, rateLimit: rateLimit)
        source.connectTimeout = try f.double("connectTimeout", range: 0.01...600) ?? source.connectTimeout
        source.timeout = try f.double("timeout", range: 0.01...3600) ?? source.timeout
        source.retries = try f.int("retries", range: 0...20) ?? source.retries
        source.retryDelay = try f.double("retryDelay", range: 0...600) ?? source.retryDelay

        switch platform {
        case .unltd:
            for key in ["keysEnv"] where f.node(key) != nil {
                throw ConfigError(file: file, key: "\(path).\(key)", reason: "belongs to gptbots sources; unltd uses tokenEnv")
            }
            guard let tokenEnv = try f.string("tokenEnv") else {
                throw ConfigError(file: file, key: "\(path).tokenEnv", reason: "is missing; name the environment variable that holds the API token, e.g. tokenEnv: UNLTD_TOKEN")
            }
            source.tokenEnv = tokenEnv
            source.includePublic = try f.bool("public") ?? false
            (source.organizations, source.organizationNames) = try f.organizations("organizations")
            if Set(source.organizations).count != source.organizations.count {
                throw ConfigError(file: file, key: "\(path).organizations", reason: "lists an organization twice; list each once")
            }
            source.pageSize = try f.int("pageSize", range: 1...10_000) ?? 100
            if !source.includePublic && source.organizations.isEmpty {
                throw ConfigError(file: file, key: "\(path).organizations", reason: "is empty and `public` is false, so nothing would be fetched; list organizations or set public: true")
            }
        case .gptbots:
            for key in ["tokenEnv", "organizations", "public", "pageSize"] where f.node(key) != nil {
                throw ConfigError(file: file, key: "\(path).\(key)", reason: "belongs to unltd sources; gptbots uses keysEnv (one API key per bot)")
            }
            guard let keys = try f.stringList("keysEnv"), !keys.isEmpty else {
                throw ConfigError(file: file, key: "\(path).keysEnv", reason: "is missing; list the environment variables holding one API key each, e.g. keysEnv: [GPTBOTS_KEY_SUPPORT]")
            }
            if Set(keys).count != keys.count {
                throw ConfigError(file: file, key: "\(path).keysEnv", reason: "lists a variable twice; list each once")
            }
            source.keysEnv = keys
        }
        return source
    }

    static func resolve(_ path: String, against folder: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: folder).appendingPathComponent(expanded).standardizedFileURL.path
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }

    static func yamlReason(_ error: Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return "\(problem) at line \(mark.line), column \(mark.column)"
            case .duplicatedKeysInMapping(let duplicates, _):
                return "duplicate keys \(duplicates.joined(separator: ", "))"
            default:
                return "\(yaml)"
            }
        }
        return "\(error)"
    }
}

/// A YAML mapping's entries with typed accessors that name the key in every error.
private struct Fields {
    let values: [String: Node]
    let path: String
    let file: String

    init(_ mapping: Node.Mapping, path: String, file: String, allowed: [String]) throws(ConfigError) {
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                throw ConfigError(file: file, key: path, reason: "has a key that is not a string")
            }
            guard allowed.contains(key) else {
                let hint = Suggestion.closest(to: key, in: allowed).map { "did you mean \"\($0)\"?" }
                    ?? "known keys: \(allowed.joined(separator: ", "))"
                throw ConfigError(file: file, key: Self.join(path, key), reason: "unknown key; \(hint)")
            }
            guard values[key] == nil else {
                throw ConfigError(file: file, key: Self.join(path, key), reason: "is given twice; keep one")
            }
            values[key] = value
        }
        self.values = values
        self.path = path
        self.file = file
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func node(_ key: String) -> Node? { values[key] }

    private func fail(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, key: Self.join(path, key), reason: reason)
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node else { throw fail(key, "must be a single value, not a list or mapping") }
        if node.null != nil, scalar.style == .plain { return nil }
        return scalar.string
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = values[key] else { return nil }
        guard let b = node.bool else { throw fail(key, "must be true or false") }
        return b
    }

    func int(_ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let node = values[key] else { return nil }
        guard let i = node.int, range.contains(i) else {
            throw fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \"\(node.string ?? "a list")\"")
        }
        return i
    }

    func double(_ key: String, range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let node = values[key] else { return nil }
        guard let d = node.float ?? node.int.map(Double.init), range.contains(d) else {
            throw fail(key, "must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return d
    }

    /// `[org_a, {id: org_b, name: Sales}]`: ids, and the display names given for some of them
    /// (list responses carry no organization names).
    func organizations(_ key: String) throws(ConfigError) -> ([String], [String: String]) {
        guard let node = values[key] else { return ([], [:]) }
        if case .scalar = node, node.null != nil { return ([], [:]) }
        guard case .sequence(let seq) = node else { throw fail(key, "must be a list, e.g. [org_a, {id: org_b, name: Sales}]") }
        var ids: [String] = []
        var names: [String: String] = [:]
        for item in seq {
            switch item {
            case .scalar(let s) where !s.string.isEmpty:
                ids.append(s.string)
            case .mapping(let m):
                var id: String?, name: String?
                for (k, v) in m {
                    switch k.string {
                    case "id": id = v.string
                    case "name": name = v.string
                    default: throw fail(key, "an organization is an id or {id, name}; \"\(k.string ?? "")\" is not a key of it")
                    }
                }
                guard let id, !id.isEmpty else { throw fail(key, "an organization written as a mapping needs an `id`") }
                ids.append(id)
                if let name, !name.isEmpty { names[id] = name }
            default:
                throw fail(key, "must list organization ids, or {id, name} mappings")
            }
        }
        return (ids, names)
    }

    func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = values[key] else { return nil }
        if case .scalar = node, node.null != nil { return [] }
        guard case .sequence(let seq) = node else { throw fail(key, "must be a list, e.g. [a, b]") }
        var out: [String] = []
        for item in seq {
            guard case .scalar(let s) = item, !s.string.isEmpty else { throw fail(key, "must list plain, non-empty strings") }
            out.append(s.string)
        }
        return out
    }
}
