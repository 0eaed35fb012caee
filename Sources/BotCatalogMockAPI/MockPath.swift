import Foundation

/// How the mock reads request targets, forgiving in the ways the seed is sloppy.
enum MockPath {
    /// Collapses doubled slashes (the seed's `/v1//bots/`) and drops a trailing slash,
    /// so `/unltd/v1//bots/` and `/unltd/v1/bots` are the same route.
    static func normalized(_ path: String) -> String {
        let collapsed = normalizedPrefix(path)
        if collapsed.count > 1, collapsed.hasSuffix("/") {
            return String(collapsed.dropLast())
        }
        return collapsed.isEmpty ? "/" : collapsed
    }

    /// Collapses doubled slashes but keeps a trailing one, for `*` fault prefixes.
    static func normalizedPrefix(_ path: String) -> String {
        var result = ""
        result.reserveCapacity(path.utf8.count)
        var previousWasSlash = false
        for character in path {
            let isSlash = character == "/"
            if !(isSlash && previousWasSlash) { result.append(character) }
            previousWasSlash = isSlash
        }
        return result
    }

    /// The percent-decoded segments of a normalized path.
    static func segments(_ normalizedPath: String) -> [String] {
        normalizedPath.split(separator: "/").map { segment in
            String(segment).removingPercentEncoding ?? String(segment)
        }
    }

    /// Splits a request target into its path and decoded query; a repeated key keeps
    /// its last value, and `+` means a space as in HTML forms.
    static func split(target: String) -> (path: String, query: [String: String]) {
        guard let questionMark = target.firstIndex(of: "?") else { return (target, [:]) }
        let path = String(target[..<questionMark])
        var query: [String: String] = [:]
        for pair in target[target.index(after: questionMark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decodeQueryComponent(parts[0])
            guard !key.isEmpty else { continue }
            query[key] = parts.count > 1 ? decodeQueryComponent(parts[1]) : ""
        }
        return (path, query)
    }

    private static func decodeQueryComponent(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// A positive integer, else `nil`, like the paginate plugin's
    /// `parseInt(x) > 0 ? parseInt(x) : default`.
    static func positiveInt(_ value: String?) -> Int? {
        guard let value, let number = Int(value.trimmingCharacters(in: .whitespaces)), number > 0 else {
            return nil
        }
        return number
    }

    /// The page number a request asks for; missing or invalid counts as 1.
    static func page(in query: [String: String]) -> Int {
        positiveInt(query["page"]) ?? 1
    }
}
