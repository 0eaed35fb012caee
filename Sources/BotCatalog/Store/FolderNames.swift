import Foundation

/// The names in a folder (without `.` and `..`), read with `readdir`: the site build lists a
/// few folders before it starts (for a run's leftovers), on its way to work that waits for it,
/// and needs no more than the names (no `FileManager`, no bridged strings). The state store
/// lists its folders the same way.
enum FolderNames {
    /// Empty when the folder cannot be read.
    static func of(_ path: String) -> [String] {
        guard let folder = opendir(path) else { return [] }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
