import Foundation

/// The bots' display order: by lowercased name, as `String` compares them, then by key.
///
/// Lowercasing every name into a string and sorting those was a tenth of a 1%-changed build (the
/// order is made on every build whose history grew). ASCII names (nearly all) are lowercased
/// into one buffer, end to end, and compared as bytes: for ASCII text that is exactly `String`'s
/// order, since normalization leaves ASCII alone. A pair with any other name is compared as
/// lowercased strings.
enum NameOrder {
    static func order(_ entries: [CatalogEntry]) -> [Int] {
        var folded: [UInt8] = []
        folded.reserveCapacity(entries.count * 24)
        // Each name's bytes in `folded`; nil: not ASCII, see `lowered`.
        var spans: [(start: Int, count: Int)?] = []
        spans.reserveCapacity(entries.count)
        var lowered: [String?] = Array(repeating: nil, count: entries.count)
        for i in entries.indices {
            var name = entries[i].bot.name
            let start = folded.count
            let ascii = name.withUTF8 { utf8 in
                for byte in utf8 {
                    guard byte < 0x80 else { return false }
                    folded.append(byte &- 0x41 < 26 ? byte | 0x20 : byte)
                }
                return true
            }
            if ascii {
                spans.append((start, folded.count - start))
            } else {
                folded.removeLast(folded.count - start)
                spans.append(nil)
                lowered[i] = name.lowercased()
            }
        }
        return folded.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress
            func lowercased(_ i: Int) -> String {
                if let text = lowered[i] { return text }
                let span = spans[i]!
                return String(decoding: buffer[span.start..<(span.start + span.count)], as: UTF8.self)
            }
            return entries.indices.sorted { a, b in
                if let x = spans[a], let y = spans[b] {
                    let shared = min(x.count, y.count)
                    let c = shared == 0 ? 0 : memcmp(base! + x.start, base! + y.start, shared)
                    if c != 0 { return c < 0 }
                    if x.count != y.count { return x.count < y.count }
                } else {
                    let na = lowercased(a), nb = lowercased(b)
                    if na != nb { return na < nb }
                }
                return entries[a].key < entries[b].key
            }
        }
    }
}
