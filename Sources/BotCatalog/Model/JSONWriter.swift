import CBotSystem
import Foundation

/// Writes `JSONValue`s deterministically: keys sorted, two-space indentation when
/// pretty, slashes unescaped, so that snapshots diff cleanly in git and read well in `jq`.
///
/// Written as bytes: catalog.json and every snapshot hold each bot's fields, and appending
/// to a `String` piece by piece re-checks its storage on every append.
public enum JSONWriter {
    public static func string(_ value: JSONValue, pretty: Bool = true) -> String {
        String(decoding: bytes(value, pretty: pretty), as: UTF8.self)
    }

    public static func data(_ value: JSONValue, pretty: Bool = true) -> Data {
        Data(bytes(value, pretty: pretty))
    }

    static func bytes(_ value: JSONValue, pretty: Bool) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out, pretty: pretty, indent: 0)
        if pretty { out.append(0x0A) }
        return out
    }

    /// Appends `value` to text (for callers that build text around it).
    static func write(_ value: JSONValue, into out: inout String, pretty: Bool, indent: Int) {
        var bytes: [UInt8] = []
        write(value, into: &bytes, pretty: pretty, indent: indent)
        out += String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .double(let d): out += (d.isFinite ? "\(d)" : "null").utf8
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent + 1) }
                write(item, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            // Pairs sorted once: no second lookup per key.
            for (n, member) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent + 1) }
                writeString(member.key, into: &out)
                out += (pretty ? ": " : ":").utf8
                write(member.value, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        for _ in 0..<indent { out.append(0x20); out.append(0x20) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string to text.
    static func writeString(_ text: String, into out: inout String) {
        var bytes: [UInt8] = []
        writeString(text, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        var s = text
        s.makeContiguousUTF8()  // free for native strings; bridged ones are copied once
        out.append(0x22)
        s.withUTF8 { bytes in
            // Runs without anything to escape are found eight bytes at a time and copied whole
            // (Markdown has a newline every few dozen bytes; most texts have nothing else).
            guard let base = bytes.baseAddress else { return }
            var runStart = 0
            while runStart < bytes.count {
                let i = runStart + botcatalog_json_escape_at(base + runStart, bytes.count - runStart)
                guard i < bytes.count else { break }
                let b = bytes[i]
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                out.append(0x5C)
                switch b {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default: out += [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]
                }
                runStart = i + 1
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        out.append(0x22)
    }
}
