/// A page context built as the renderers read it, value by value, with `TemplateSet.box`'s rules
/// (empty text dropped, markup separated from fused marks except in `…Html` values), without a
/// `[String: Any]` to build, hash and cast first. Bot pages and rows, the bulk of a site, are
/// built this way; the few other pages keep dictionaries and go through `box`.
struct ContextBuilder {
    /// The scope's own entries, keyed as they are set: the scope takes this array as it is
    /// (a bot page and its rows make some thirty scopes, each a list of pairs copied into
    /// entries before).
    private(set) var entries: [TemplateScope.Entry] = []

    init(capacity: Int = 8) { entries.reserveCapacity(capacity) }

    var scope: TemplateScope { TemplateScope(entries: entries) }

    private mutating func append(_ key: String, _ value: TemplateValue) {
        assert(!entries.contains { $0.name == key }, "\(key) is set twice")
        entries.append(TemplateScope.Entry(key: TemplateScope.key(key), name: key, value: value))
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
