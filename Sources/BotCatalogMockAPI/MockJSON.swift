/// A JSON value as the mock API stores and serves it.
///
/// The mock keeps its data as plain values rather than `Codable` models so it can
/// reproduce the seed APIs' quirks (tags as a string or an array, unknown extra
/// fields) without the client's types leaking into the server.
public enum MockJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([MockJSON])
    case object([String: MockJSON])

    /// Compact JSON with object keys sorted, so equal values always serialize to equal
    /// bytes (tests and golden files compare them verbatim).
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// The UTF-8 bytes of `serialized()`, for writing straight into a response body.
    public func serializedBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    /// The member `key` of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> MockJSON? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else { return }
            // Drop our own reference first so the dictionary is mutated in place, not copied.
            self = .null
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The payload of a `.string`, else `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The payload of an `.int`, else `nil`.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The payload of an `.array`, else `nil`.
    public var arrayValue: [MockJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The payload of an `.object`, else `nil`.
    public var objectValue: [String: MockJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

// MARK: - Serialization

extension MockJSON {
    private func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            // JSON has no NaN or infinity; `null` is what JavaScript's JSON.stringify emits.
            output.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
        case .string(let value):
            Self.writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key, default: .null].write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Escapes quotes, backslashes and control characters; everything else, including
    /// non-ASCII UTF-8, is valid inside a JSON string as is.
    private static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"):
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

// MARK: - Literals

// Literal conformances let the demo data read like the JSON it serves.

extension MockJSON: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension MockJSON: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension MockJSON: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension MockJSON: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension MockJSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension MockJSON: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: MockJSON...) { self = .array(elements) }
}

extension MockJSON: ExpressibleByDictionaryLiteral {
    /// A repeated key keeps its last value, as `JSON.parse` does.
    public init(dictionaryLiteral elements: (String, MockJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
