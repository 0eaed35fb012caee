/// `catalog.json` and `sitemap.xml`: the site's machine-readable files. Pure.
enum MachineOutput {
    /// `{"bots": [...], "title": ...}`, pretty and key-sorted, assembled from each bot's object
    /// (`fragments`, in snapshot order) so unchanged bots come from the row cache.
    static func catalogJSON(title: String, fragments: [String]) -> String {
        var out = "{\n  \"bots\": "
        out.reserveCapacity(fragments.reduce(title.utf8.count + 64) { $0 + $1.utf8.count + 6 })
        if fragments.isEmpty {
            out += "[]"
        } else {
            out += "["
            for (n, fragment) in fragments.enumerated() {
                out += n == 0 ? "\n    " : ",\n    "
                out += fragment
            }
            out += "\n  ]"
        }
        out += ",\n  \"title\": "
        JSONWriter.writeString(title, into: &out)
        return out + "\n}\n"
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
