/// The print of a JSON object as `Fingerprint.add(.object(_:))` makes it: the sum of its members'
/// prints (each a key and its value, so the members' order does not matter) and their number.
/// Made by `JSONReader.readPrinted` while the text is read, it spares the site stage a walk over
/// every bot's fields on every run (22 ms of CPU at 10,000 bots, most of it the walk itself).
public struct ObjectPrint: Sendable, Equatable {
    public var sum: UInt64
    public var count: Int

    public init(sum: UInt64, count: Int) {
        self.sum = sum
        self.count = count
    }
}

/// The prints of the objects near the top of a JSON text (`JSONReader.printedDepth` levels), laid
/// out as the text is: members by key, elements by position. A decoder walks it alongside the
/// value it decodes, to hand each bot the print of the very object that became its fields.
public struct JSONPrints: Sendable, Equatable {
    /// For an object: its print; nil for anything else, and for an object with a repeated key
    /// (its dictionary keeps one of them, its members' sum would count both).
    public var object: ObjectPrint?
    /// For an object: the prints of its members that are objects or arrays.
    public var members: [String: JSONPrints]
    /// For an array: one entry per element (empty for elements that are neither).
    public var elements: [JSONPrints]

    public init(object: ObjectPrint? = nil, members: [String: JSONPrints] = [:], elements: [JSONPrints] = []) {
        self.object = object
        self.members = members
        self.elements = elements
    }

    public subscript(key: String) -> JSONPrints? { members[key] }

    public subscript(index: Int) -> JSONPrints? { elements.indices.contains(index) ? elements[index] : nil }
}
