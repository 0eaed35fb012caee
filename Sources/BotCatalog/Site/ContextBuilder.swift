/// A page context built as the renderers read it, value by value, with `TemplateSet.box`'s rules
/// (empty text dropped, markup separated from fused marks except in `…Html` values), without a
/// `[String: Any]` to build, hash and cast first. Bot pages and rows, the bulk of a site, are
/// built this way; the few other pages keep dictionaries and go through `box`.
struct ContextBuilder {
    private(set) var pairs: [(String, TemplateValue)] = []

    init(capacity: Int = 8) { pairs.reserveCapacity(capacity) }

    var scope: TemplateScope { TemplateScope(pairs) }

    private mutating func append(_ key: String, _ value: TemplateValue) {
        assert(!pairs.contains { $0.0 == key }, "\(key) is set twice")
        pairs.append((key, value))
    }

    /// Text; an empty one is left out (in swift-mustache an empty string is truthy).
    mutating func set(_ key: String, _ text: String) {
        guard !text.isEmpty else { return }
        append(key, .text(key.hasSuffix("Html") ? text : TemplateSet.separatingMarkup(text)))
    }

    mutating func set(_ key: String, _ flag: Bool) { append(key, .flag(flag)) }

    mutating func set(_ key: String, _ number: Int) { append(key, .number(number)) }

    mutating func set(_ key: String, _ object: ContextBuilder) { append(key, .scope(object.scope)) }

    mutating func set(_ key: String, _ object: TemplateScope) { append(key, .scope(object)) }

    mutating func set(_ key: String, _ list: [ContextBuilder]) { append(key, .list(list.map { .scope($0.scope) })) }

    /// Objects made as dictionaries (shared with pages that are not built this way).
    mutating func set(_ key: String, boxing list: [[String: Any]]) { append(key, .list(list.map { .scope(TemplateSet.box($0)) })) }
}
