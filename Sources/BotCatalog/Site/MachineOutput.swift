/// `catalog.json` and `sitemap.xml`: the site's machine-readable files. Pure.
enum MachineOutput {
    /// `catalog.json`, `{"bots": [...], "title": ...}` key-sorted with one bot per line: a change
    /// diffs as the lines of the bots it touched, and the file is a sixth smaller than indented
    /// (it is rewritten on every build that changed a bot). Assembled from each bot's object
    /// (`fragments`, in snapshot order, unchanged ones in the row cache, which `owner` keeps
    /// mapped) as pieces written one after the other, never joined; and where each fragment
    /// starts in the file.
    static func catalogJSON(title: String, fragments: [ByteSpan], keeping owner: AnyObject) -> (page: PageBytes.Gathered, offsets: [Int]) {
        var tail = "],\"title\":"
        JSONWriter.writeString(title, into: &tail)
        tail += "}\n"
        var fixed: [ByteSpan] = []
        let text = OwnedBytes([Array("{\"bots\":".utf8), Array((fragments.isEmpty ? "[" : "[\n").utf8),
                               Array(",\n".utf8), Array("\n".utf8), Array(tail.utf8)], spans: &fixed)
        var pieces = [fixed[0], fixed[1]]
        pieces.reserveCapacity(fragments.count * 2 + 4)
        var offsets: [Int] = []
        offsets.reserveCapacity(fragments.count)
        var at = fixed[0].count + fixed[1].count
        for (n, fragment) in fragments.enumerated() {
            if n > 0 { pieces.append(fixed[2]); at += fixed[2].count }
            offsets.append(at)
            at += fragment.count
            pieces.append(fragment)
        }
        if !fragments.isEmpty { pieces.append(fixed[3]) }
        pieces.append(fixed[4])
        return (PageBytes.Gathered(pieces: pieces, owners: [text, owner]), offsets)
    }

    /// One bot's object in catalog.json, on a line of its own: what `JSONWriter` makes of the
    /// object unindented, written key by key in its sorted order (10,000 of these per full build).
    static func catalogObject(_ entry: CatalogEntry, path: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        withUnsafePointer(to: entry) { catalogObject(at: $0, path: path, into: &out) }
        return out
    }

    /// `catalogObject` appended to `out` (a part's rows share one buffer). The bot is read
    /// where it lies: a copy of it retains its dozen references.
    static func catalogObject(at entry: UnsafePointer<CatalogEntry>, path: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: StaticString) {
            out += (first ? "\"" : ",\"").utf8
            first = false
            out += UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            out += "\":".utf8
        }
        func text(_ name: StaticString, _ value: String?) {
            key(name)
            if let value { JSONWriter.writeString(value, into: &out) } else { out += "null".utf8 }
        }
        key("fields")
        JSONWriter.write(.object(entry.pointee.bot.fields), into: &out, pretty: false, indent: 0)
        text("firstSeen", entry.pointee.firstSeen)
        text("id", entry.pointee.bot.id)
        text("lastChanged", entry.pointee.lastChanged)
        text("model", entry.pointee.bot.model)
        text("name", entry.pointee.bot.name)
        text("organization", entry.pointee.bot.organization)
        if let name = entry.pointee.bot.organizationName { text("organizationName", name) }
        text("platform", entry.pointee.bot.platform.rawValue)
        text("slug", entry.pointee.bot.slug)
        text("source", entry.pointee.bot.source)
        key("stale")
        out += (entry.pointee.stale ? "true" : "false").utf8
        key("tags")
        JSONWriter.write(.array(entry.pointee.bot.tags.map(JSONValue.string)), into: &out, pretty: false, indent: 0)
        text("url", path)
        out.append(UInt8(ascii: "}"))
    }

    /// Written as bytes: one line per bot, 10,000 of them, on every build that changed a bot.
    static func sitemap(_ model: SiteModel, base: String, groupPaths: [String]) -> [UInt8] {
        var xml: [UInt8] = []
        xml += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n".utf8
        xml.reserveCapacity((model.current.count + groupPaths.count + 2) * (base.utf8.count + 110))
        // Escaped in parts (escaping is per character, so the parts joined come out the same).
        // The fixed parts as bytes, made once: appending literals' UTF-8 views, five per bot, was
        // a quarter of the sitemap's time at 10,000 bots (2.6 ms against 1.9 ms).
        var opening = Array("  <url><loc>".utf8)
        CompiledTemplates.appendEscaped(base, to: &opening)
        let lastmodOpening = Array("</loc><lastmod>".utf8)
        let lastmodClosing = Array("</lastmod></url>\n".utf8)
        let closing = Array("</loc></url>\n".utf8)
        func url(_ path: String, _ lastmod: String?) {
            xml.append(contentsOf: opening)
            CompiledTemplates.appendEscaped(path, to: &xml)
            if let lastmod {
                xml.append(contentsOf: lastmodOpening)
                CompiledTemplates.appendEscaped(lastmod, to: &xml)
                xml.append(contentsOf: lastmodClosing)
            } else {
                xml.append(contentsOf: closing)
            }
        }
        url("", nil)
        url("changelog.html", model.input.history.last?.at)
        model.input.snapshot.entries.withUnsafeBufferPointer { entries in
            for (i, position) in model.rank.enumerated() { url(model.currentPaths[position], entries[i].lastChanged) }
        }
        for path in groupPaths.sorted() { url(path, nil) }
        xml += "</urlset>\n".utf8
        return xml
    }
}
