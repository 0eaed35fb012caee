import Foundation

/// Writes one page into the staging folder: hard-links the current file when the page's
/// fingerprint or bytes are unchanged (keeping its mtime), writes it otherwise.
struct PageWriter: Sendable {
    let staging: String
    let current: String
    let templateHash: String
    let oldManifest: [String: String]

    struct Result: Sendable {
        var path: String
        var fingerprint: String
        var rendered: Bool
        var written: Bool
    }

    func botPage(_ key: BotKey, model: SiteModel, contexts: PageContexts, templates: TemplateSet) throws(SiteError) -> Result? {
        guard let path = model.paths.bots[key] else { return nil }
        var f = Fingerprint()
        f.add(templateHash)
        f.add(model.input.title)
        if let entry = model.input.snapshot.entry(for: key) {
            // `lastSeen` moves on every run; a current bot's page does not show it, so it is no input.
            var stable = entry
            if !entry.stale { stable.lastSeen = "" }
            f.add(JSONWriter.string(StateCodec.json(stable), pretty: false))
            if entry.stale { f.add(model.sources[key.source]?.problems.first ?? ""); f.add(model.input.snapshot.takenAt) }
            f.add(model.organizationName(entry.bot.organization) ?? "")
            f.add(entry.bot.organization.flatMap { model.paths.organizations[$0] } ?? "")
        } else if let tomb = model.tombstones[key] {
            f.add(JSONWriter.string(StateCodec.json(tomb.bot), pretty: false))
            f.add(tomb.removedAt)
        }
        for event in model.events[key] ?? [] {
            f.add(event.at)
            f.add(event.kind.rawValue)
            for c in event.changes { f.add(JSONWriter.string(StateCodec.json(c), pretty: false)) }
        }
        let fingerprint = f.hex
        if oldManifest[path] == fingerprint, link(path) {
            return Result(path: path, fingerprint: fingerprint, rendered: false, written: false)
        }
        guard let context = contexts.bot(key) else { return nil }
        var result = try page(path, templates.render("bot", context))
        result.fingerprint = fingerprint
        return result
    }

    func page(_ path: String, _ text: String) throws(SiteError) -> Result {
        try page(path, Data(text.utf8))
    }

    func page(_ path: String, _ data: Data) throws(SiteError) -> Result {
        let target = "\(staging)/\(path)"
        try makeParent(of: target)
        let existing = "\(current)/\(path)"
        if let old = FileManager.default.contents(atPath: existing), old == data, link(path) {
            return Result(path: path, fingerprint: "", rendered: true, written: false)
        }
        guard FileManager.default.createFile(atPath: target, contents: data) else {
            throw SiteError(file: target, reason: "cannot write the page (\(AtomicFile.errnoText())); check free disk space")
        }
        return Result(path: path, fingerprint: "", rendered: true, written: true)
    }

    /// Hard-links the published file into the staging folder; false when there is none.
    func link(_ path: String) -> Bool {
        let target = "\(staging)/\(path)"
        try? makeParent(of: target)
        return Foundation.link("\(current)/\(path)", target) == 0
    }

    func makeParent(of file: String) throws(SiteError) {
        let parent = (file as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw SiteError(file: parent, reason: "cannot create folder (\((error as NSError).localizedDescription))")
        }
    }
}
