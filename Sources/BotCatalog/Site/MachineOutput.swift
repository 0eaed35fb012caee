/// `catalog.json` and `sitemap.xml`: the site's machine-readable files. Pure.
enum MachineOutput {
    static func catalogJSON(_ model: SiteModel) -> String {
        let bots = model.input.snapshot.entries.map { entry -> JSONValue in
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
            return .object(o)
        }
        return JSONWriter.string(.object(["title": .string(model.input.title), "bots": .array(bots)]))
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
