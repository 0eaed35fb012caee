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
            // Each ASCII name's first 24 bytes as three big-endian numbers, zero-padded: names
            // that differ there are ordered by three integer compares, not a call to `memcmp`.
            // (A name one byte shorter orders first, as the bytes do; equal prefixes, which a
            // zero byte in a name could also make, are compared as below.)
            let prefixes = spans.map { span -> Prefix in
                guard let span else { return Prefix() }
                return Prefix(UnsafeBufferPointer(rebasing: buffer[span.start..<(span.start + span.count)]))
            }
            return entries.indices.sorted { a, b in
                if let x = spans[a], let y = spans[b] {
                    if prefixes[a] != prefixes[b] { return prefixes[a] < prefixes[b] }
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

    /// The first 24 bytes of a name, big-endian, zero-padded: ordered as the bytes are.
    struct Prefix: Equatable, Comparable {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0

        init() {}

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            func word(_ from: Int) -> UInt64 {
                var w: UInt64 = 0
                for i in 0..<8 { w = w << 8 | UInt64(from + i < bytes.count ? bytes[from + i] : 0) }
                return w
            }
            a = word(0); b = word(8); c = word(16)
        }

        static func < (x: Prefix, y: Prefix) -> Bool {
            x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.c < y.c
        }
    }
}
