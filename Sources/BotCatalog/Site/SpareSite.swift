import CBotSystem
import Foundation

/// The site as it was before the last swap, kept beside the published one (`.site.spare`) so the
/// next run brings it up to date instead of staging every page afresh.
///
/// A staged site is swapped in whole, so a run that changed 1% of the bots would otherwise link
/// every unchanged page into a new staging folder and then remove the old site: two file-system
/// calls per page (20,000 at 10,000 bots). The spare shares every page's file (the same inode)
/// with the published site except the pages the last run wrote or dropped (`differs`), so
/// updating it touches only those and this run's changes; then it is swapped in, and the old
/// site becomes the spare.
///
/// Trusted only as the last publish left it: its folders' modification times are recorded (any
/// file added or removed moves them), and the record is deleted before the spare is touched, so a
/// run killed while updating it leaves no record and the next run stages afresh.
struct SpareSite: Sendable {
    let path: String
    /// Where the record is kept (in the state folder).
    let statePath: String

    struct State: Sendable, Equatable {
        /// Each folder's modification time (the site's own folder is "").
        var folders: [String: String]
        /// The pages whose file is not the published one's: written, or dropped, by the last run.
        var differs: [String]
    }

    /// The record of the last publish, when the spare is still as that publish left it.
    func intactState() -> State? {
        guard let data = FileManager.default.contents(atPath: statePath), let json = try? JSONReader.read(data),
              case .object(let folders)? = json["folders"], case .array(let differs)? = json["differs"] else { return nil }
        let state = State(folders: folders.compactMapValues(\.stringValue), differs: differs.compactMap(\.stringValue))
        return SiteManifest.foldersUnchanged(path, since: state.folders) ? state : nil
    }

    /// Deletes the record: the spare is about to change, or go.
    func forget() {
        unlink(statePath)
    }

    /// Records the spare as it is now: `folders` are those holding its pages.
    func record(folders: some Sequence<String>, differs: [String]) {
        let all = Set(folders).union([""])
        let times = SiteManifest.folderTimes(path, folders: all)
        guard times.count == all.count else { return }
        let json = JSONValue.object(["folders": .object(times.mapValues(JSONValue.string)), "differs": .array(differs.sorted().map(JSONValue.string))])
        try? AtomicFile.write(JSONWriter.data(json, pretty: false), to: statePath)
    }

    func remove() {
        forget()
        if access(path, F_OK) == 0 { botcatalog_remove_tree(path) }
    }
}
