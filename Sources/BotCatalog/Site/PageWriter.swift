import Foundation

/// Writes one page into the staging folder: hard-links the current file when the page's
/// fingerprint or bytes are unchanged (keeping its mtime), writes it otherwise.
struct PageWriter: Sendable {
    let staging: String
    let current: String
    let oldManifest: [String: String]

    struct Result: Sendable {
        var path: String
        var fingerprint: String
        var rendered: Bool
        var written: Bool
    }

    /// Writes one page. With a fingerprint equal to the last build's, the published file is
    /// linked and `render` never runs; otherwise the page is rendered, and linked anyway when its
    /// bytes did not change.
    func page(_ path: String, fingerprint: String? = nil, render: () throws(SiteError) -> Data) throws(SiteError) -> Result {
        if let fingerprint, oldManifest[path] == fingerprint, link(path) {
            return Result(path: path, fingerprint: fingerprint, rendered: false, written: false)
        }
        let data = try render()
        let target = "\(staging)/\(path)"
        try makeParent(of: target)
        if let old = FileManager.default.contents(atPath: "\(current)/\(path)"), old == data, link(path) {
            return Result(path: path, fingerprint: fingerprint ?? "", rendered: true, written: false)
        }
        guard FileManager.default.createFile(atPath: target, contents: data) else {
            throw SiteError(file: target, reason: "cannot write the page (\(AtomicFile.errnoText())); check free disk space")
        }
        return Result(path: path, fingerprint: fingerprint ?? "", rendered: true, written: true)
    }

    func page(_ path: String, fingerprint: String? = nil, text: () throws(SiteError) -> String) throws(SiteError) -> Result {
        try page(path, fingerprint: fingerprint) { () throws(SiteError) -> Data in Data(try text().utf8) }
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
