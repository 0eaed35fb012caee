/// `catalog.json` and `sitemap.xml`: the site's machine-readable files. Pure.
enum MachineOutput {
    /// `catalog.json`, `{"bots": [...], "title": ...}` pretty and key-sorted, assembled from each
    /// bot's object (`fragments`, in snapshot order, unchanged ones from the row cache) as parts
    /// written one after the other, never joined into one string.
    static func catalogJSON(title: String, fragments: [String]) -> [String] {
        var parts: [String] = ["{\n  \"bots\": "]
        parts.reserveCapacity(fragments.count * 2 + 4)
        if fragments.isEmpty {
            parts.append("[]")
        } else {
            let first = "[\n    ", next = ",\n    "
            for (n, fragment) in fragments.enumerated() {
                parts.append(n == 0 ? first : next)
                parts.append(fragment)
            }
            parts.append("\n  ]")
        }
        var tail = ",\n  \"title\": "
        JSONWriter.writeString(title, into: &tail)
        parts.append(tail + "\n}\n")
        return parts
    }

    /// One bot's object in catalog.json, at its depth there.
    static func catalogObject(_ entry: CatalogEntry, model: SiteModel) -> String {
        let b = entry.bot
        var o: [String: JSONValue] = [
            "id": .string(b.id), "source": .string(b.source), "platform": .string(b.platform.rawValue),
            "name": .string(b.name), "slug": .string(b.slug),
            "organization": b.organization.map(JSONValue.string) ?? .null,
            "model": b.model.map(JSONValue.string) ?? .null,
            "tags": .array(b.tags.map(JSONValue.string)),
            "stale": .bool(entry.stale),
            "firstSeen": .string(entry.firstSeen), "lastChanged": .string(entry.lastChanged),
            "url": .string(model.paths.bots[entry.key] ?? ""),
            "fields": .object(b.fields),
        ]
        if let name = b.organizationName { o["organizationName"] = .string(name) }
        var out = ""
        JSONWriter.write(.object(o), into: &out, pretty: true, indent: 2)
        return out
    }

    static func sitemap(_ model: SiteModel, base: String, groupPaths: [String]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
        func url(_ path: String, _ lastmod: String?) {
            xml += "  <url><loc>\(HTML.escape(base + path))</loc>"
            if let lastmod { xml += "<lastmod>\(lastmod)</lastmod>" }
            xml += "</url>\n"
        }
        url("", nil)
        url("changelog.html", model.input.history.last?.at)
        for entry in model.input.snapshot.entries {
            if let path = model.paths.bots[entry.key] { url(path, entry.lastChanged) }
        }
        for path in groupPaths.sorted() { url(path, nil) }
        xml += "</urlset>\n"
        return xml
    }
}
