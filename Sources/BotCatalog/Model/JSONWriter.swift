import Foundation

/// Writes `JSONValue`s deterministically: keys sorted, two-space indentation when
/// pretty, slashes unescaped, so that snapshots diff cleanly in git and read well in `jq`.
public enum JSONWriter {
    public static func string(_ value: JSONValue, pretty: Bool = true) -> String {
        var out = ""
        write(value, into: &out, pretty: pretty, indent: 0)
        if pretty { out += "\n" }
        return out
    }

    public static func data(_ value: JSONValue, pretty: Bool = true) -> Data {
        Data(string(value, pretty: pretty).utf8)
    }

    static func write(_ value: JSONValue, into out: inout String, pretty: Bool, indent: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (n, item) in items.enumerated() {
                if n > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                write(item, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out += "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            // Pairs sorted once: no second lookup per key.
            for (n, member) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if n > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                writeString(member.key, into: &out)
                out += pretty ? ": " : ":"
                write(member.value, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out += "}"
        }
    }

    /// "\n" and the indentation of each depth, made once.
    private static let newlines = (0..<32).map { "\n" + String(repeating: "  ", count: $0) }

    private static func newline(_ out: inout String, _ indent: Int) {
        out += indent < newlines.count ? newlines[indent] : "\n" + String(repeating: "  ", count: indent)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Bytes a JSON string must escape: control characters, `"` and `\`.
    private static let needsEscape: [Bool] = (0..<256).map { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }

    static func writeString(_ text: String, into out: inout String) {
        var s = text
        s.makeContiguousUTF8()  // free for native strings; bridged ones are copied once
        out += "\""
        _ = s.utf8.withContiguousStorageIfAvailable { bytes in
            // One pass: up to the first byte to escape, nothing is copied but the whole text when
            // there is none (the common case).
            let escape = needsEscape
            var first = 0
            while first < bytes.count, !escape[Int(bytes[first])] { first += 1 }
            guard first < bytes.count else {
                out += s
                return
            }
            // Escaped into one byte buffer, appended (and checked as UTF-8) once: Markdown has a
            // newline every few dozen bytes, and an append per run costs more than the copy.
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + bytes.count / 16 + 8)
            var runStart = 0
            var i = first
            while i < bytes.count {
                let b = bytes[i]
                guard escape[Int(b)] else { i += 1; continue }
                escaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                escaped.append(0x5C)
                switch b {
                case 0x22: escaped.append(0x22)
                case 0x5C: escaped.append(0x5C)
                case 0x0A: escaped.append(UInt8(ascii: "n"))
                case 0x0D: escaped.append(UInt8(ascii: "r"))
                case 0x09: escaped.append(UInt8(ascii: "t"))
                default: escaped.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]])
                }
                i += 1
                runStart = i
            }
            escaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            out += String(decoding: escaped, as: UTF8.self)
        }
        out += "\""
    }
}
