import Foundation

/// The changelog as last built, with markers where the time of the check stands, kept beside the
/// page fingerprints: a run whose input digest equals the last build's (nothing but the check
/// time moved) fills in the new time instead of building the site. Tied to its digest, so a
/// cache left by an older build is never used.
struct ChangelogCache: Sendable, Equatable {
    /// Stand for the check's time while the changelog is rendered (private-use characters, which
    /// `DisplayText` removes from API text, so no bot can forge them).
    static let checkedAt = "\u{E000}checked\u{E001}"
    static let checkedAtISO = "\u{E000}checked-iso\u{E001}"

    let digest: String
    /// The page with the markers.
    let page: [UInt8]

    /// The page for a check at `takenAt` (an ISO 8601 time).
    func filled(takenAt: String) -> [UInt8] {
        let iso = SiteBuilder.replacing(Self.checkedAtISO, in: page, with: [HTML.escape(takenAt)])[0]
        return SiteBuilder.replacing(Self.checkedAt, in: iso, with: [HTML.escape(Timestamp.readable(takenAt))])[0]
    }

    /// Where the cache is kept: in the state folder, beside the site manifest.
    static func path(besideManifest manifestPath: String) -> String {
        SiteManifest.stateFile("site-changelog.cache", besideManifest: manifestPath)
    }

    /// The cache in `path` when it was made for `digest`; nil otherwise (or when unreadable).
    static func read(_ path: String, digest: String) -> ChangelogCache? {
        guard let data = FileManager.default.contents(atPath: path), let newline = data.firstIndex(of: UInt8(ascii: "\n")),
              String(decoding: data[..<newline], as: UTF8.self) == digest else { return nil }
        return ChangelogCache(digest: digest, page: Array(data[(newline + 1)...]))
    }

    /// The digest on the first line, then the page.
    var data: Data { Data((digest + "\n").utf8) + Data(page) }
}
