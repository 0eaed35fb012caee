import Foundation

/// Why a JSON text could not be read, with the byte offset where reading stopped.
public struct JSONReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 reader into `JSONValue`.
///
/// Hand-written rather than `JSONDecoder` because API bodies and snapshots are
/// untrusted and large: this keeps integers apart from booleans and doubles,
/// bounds nesting depth (hostile bodies cannot overflow the stack), names the byte
/// where a truncated body stops, and reads a 100,000-bot snapshot several times faster.
public struct JSONReader {
    public static let maxDepth = 256
    /// How deep `readPrinted` lays out its prints: an unltd list page's bots, bare or wrapped
    /// (`{results: [{bot: {…}}]}`), are three levels down.
    public static let printedDepth = 4

    public static func read(_ data: Data) throws(JSONReadError) -> JSONValue {
        try read(data, printing: false).value
    }

    /// `read`, also printing every value as it is read, as `Fingerprint.add(_:)` would print
    /// the value afterwards, at a fraction of the cost: the bytes are at hand, and no tree is walked.
    public static func readPrinted(_ data: Data) throws(JSONReadError) -> (value: JSONValue, prints: JSONPrints) {
        try read(data, printing: true)
    }

    private static func read(_ data: Data, printing: Bool) throws(JSONReadError) -> (value: JSONValue, prints: JSONPrints) {
        let result: Result<(value: JSONValue, prints: JSONPrints), JSONReadError> = data.withUnsafeBytes { raw in
            var reader = JSONReader(bytes: raw.bindMemory(to: UInt8.self), printing: printing)
            do throws(JSONReadError) {
                reader.skipWhitespace()
                var print = Fingerprint()
                var prints = JSONPrints()
                let value = try reader.readValue(depth: 0, print: &print, node: &prints)
                reader.skipWhitespace()
                if reader.index != reader.bytes.count { throw reader.error("unexpected data after the JSON value") }
                return .success((value, prints))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func read(_ text: String) throws(JSONReadError) -> JSONValue {
        try read(Data(text.utf8))
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private let printing: Bool
    /// Repeated keys met so far: an object that saw the count move holds one, and has no print.
    private var repeatedKeys = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, printing: Bool) {
        self.bytes = bytes
        self.printing = printing
    }

    private func error(_ reason: String) -> JSONReadError { JSONReadError(reason: reason, offset: index) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Reads one value; when printing, adds it to `print` as `Fingerprint.add(_:)` does, and lays
    /// out the prints of the objects and arrays within `printedDepth` in `node`.
    private mutating func readValue(depth: Int, print: inout Fingerprint, node: inout JSONPrints) throws(JSONReadError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of data") }
        guard depth < JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth) levels") }
        let value: JSONValue
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject(depth: depth, print: &print, node: &node)
        case UInt8(ascii: "["): return try readArray(depth: depth, print: &print, node: &node)
        case UInt8(ascii: "\""): value = .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try readNumber()
        default: throw error("unexpected character")
        }
        // A scalar: the walk's own step, on a value that holds no other.
        if printing { print.add(value) }
        return value
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONReadError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of data") }
        let p = literal.utf8Start
        for i in 0..<count where bytes[index + i] != p[i] { throw error("invalid literal") }
        index += count
    }

    private mutating func readObject(depth: Int, print: inout Fingerprint, node: inout JSONPrints) throws(JSONReadError) -> JSONValue {
        index += 1
        var object: [String: JSONValue] = [:]
        // Each member printed on its own and the prints summed, as `Fingerprint.add(_:)` does.
        let recording = printing && depth + 1 < JSONReader.printedDepth
        let repeatedBefore = repeatedKeys
        var sum: UInt64 = 0
        func finish(_ print: inout Fingerprint, _ node: inout JSONPrints) -> JSONValue {
            if printing {
                let made = ObjectPrint(sum: sum, count: object.count)
                print.add(made)
                if repeatedKeys == repeatedBefore { node.object = made }
            }
            return .object(object)
        }
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return finish(&print, &node) }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in object") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try readString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            index += 1
            skipWhitespace()
            if printing {
                var member = Fingerprint()
                member.add(key)
                var child = JSONPrints()
                let value = try readValue(depth: depth + 1, print: &member, node: &child)
                // The last of repeated keys is kept, as JSON readers commonly do, and so are its prints.
                let repeated = object.updateValue(value, forKey: key) != nil
                if repeated { repeatedKeys += 1 }
                sum &+= member.value
                // Only objects and arrays have prints to look up (most members are neither).
                if recording {
                    switch value {
                    case .object, .array: node.members[key] = child
                    default: if repeated { node.members[key] = nil }
                    }
                }
            } else {
                // A plain read passes its own (unused) print and node down: nothing made per member.
                object[key] = try readValue(depth: depth + 1, print: &print, node: &node)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return finish(&print, &node)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    private mutating func readArray(depth: Int, print: inout Fingerprint, node: inout JSONPrints) throws(JSONReadError) -> JSONValue {
        index += 1
        var array: [JSONValue] = []
        // The elements go into the same print, in order, between two marks, as in `Fingerprint.add(_:)`.
        let recording = printing && depth + 1 < JSONReader.printedDepth
        if printing { print.addByte(6) }
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            if printing { print.addByte(7) }
            return .array(array)
        }
        while true {
            skipWhitespace()
            if printing {
                // Each element its own node (an object writes its print there), kept within `printedDepth`.
                var child = JSONPrints()
                array.append(try readValue(depth: depth + 1, print: &print, node: &child))
                if recording { node.elements.append(child) }
            } else {
                // A plain read passes its own (unused) print and node down: nothing made per element.
                array.append(try readValue(depth: depth + 1, print: &print, node: &node))
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of data in array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                if printing { print.addByte(7) }
                return .array(array)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    private mutating func readNumber() throws(JSONReadError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else {
            index = start
            throw error("number out of range")
        }
        return .double(d)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func readString() throws(JSONReadError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, valid UTF-8.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard let s = String(validating: slice, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("unescaped control character in string") }
            index += 1
        }
        var buffer = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: buffer, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of data in string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): buffer.append(0x22)
                case UInt8(ascii: "\\"): buffer.append(0x5C)
                case UInt8(ascii: "/"): buffer.append(0x2F)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try readHex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                scalar = 0xFFFD
                                appendScalar(0xFFFD, to: &buffer)
                                scalar = low
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD  // lone low surrogate: replaced, never a crash
                    }
                    appendScalar(scalar, to: &buffer)
                default:
                    index -= 1
                    throw error("invalid escape in string")
                }
            default:
                if b < 0x20 { throw error("unescaped control character in string") }
                buffer.append(b)
                index += 1
            }
        }
        throw error("unexpected end of data in string")
    }

    private mutating func readHex4() throws(JSONReadError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of data in \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func appendScalar(_ value: UInt32, to buffer: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}
