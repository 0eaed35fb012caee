/// Field-by-field comparison of two JSON values, nested objects and arrays included.
public enum FieldDiff {
    /// The changes from `before` to `after`, sorted by path. Paths in `ignore` (and anything
    /// under them) are left out. Arrays of plain values (tags) change as a whole; arrays of
    /// objects (inputs) are compared item by item (`inputs[1].type`).
    public static func changes(from before: JSONValue?, to after: JSONValue?, path: String = "", ignore: Set<String> = []) -> [FieldChange] {
        var out: [FieldChange] = []
        walk(before, after, path: path, ignore: ignore, into: &out)
        return out
    }

    static func walk(_ a: JSONValue?, _ b: JSONValue?, path: String, ignore: Set<String>, into out: inout [FieldChange]) {
        if !path.isEmpty, isIgnored(path, ignore) { return }
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            for key in Set(x.keys).union(y.keys).sorted() {
                walk(x[key], y[key], path: path.isEmpty ? key : "\(path).\(key)", ignore: ignore, into: &out)
            }
        case (.array(let x)?, .array(let y)?) where !(isFlat(x) && isFlat(y)):
            for i in 0..<max(x.count, y.count) {
                walk(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: "\(path)[\(i)]", ignore: ignore, into: &out)
            }
        default:
            if !same(a, b) { out.append(FieldChange(path: path, before: a, after: b)) }
        }
    }

    static func isFlat(_ items: [JSONValue]) -> Bool {
        items.allSatisfy { if case .object = $0 { return false }; if case .array = $0 { return false }; return true }
    }

    /// Equal, treating 100 and 100.0 as the same number so a server's number style is not a change.
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (.int(let x)?, .double(let y)?), (.double(let y)?, .int(let x)?): return Double(x) == y
        case (.array(let x)?, .array(let y)?):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        default: return a == b
        }
    }

    /// `creditCost` ignores `creditCost` and `creditCost.x`; `inputs[].type` ignores every item's type.
    static func isIgnored(_ path: String, _ ignore: Set<String>) -> Bool {
        if ignore.isEmpty { return false }
        if ignore.contains(path) { return true }
        let generic = genericPath(path)
        for pattern in ignore {
            if generic == pattern || path.hasPrefix(pattern + ".") || path.hasPrefix(pattern + "[") || generic.hasPrefix(pattern + ".") {
                return true
            }
        }
        return false
    }

    /// `inputs[1].type` → `inputs[].type`.
    static func genericPath(_ path: String) -> String {
        var out = ""
        var inIndex = false
        for c in path {
            if c == "[" { inIndex = true; out.append("[") } else if c == "]" { inIndex = false; out.append("]") } else if !inIndex { out.append(c) }
        }
        return out
    }
}
