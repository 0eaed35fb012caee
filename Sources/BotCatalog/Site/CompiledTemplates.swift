import CBotSystem
import Mustache

/// A page context as the renderers read it: built once per page by `TemplateSet.box`.
/// Not `indirect` (lists nest through their arrays): a boxed case was a heap allocation for
/// every value of every page and row.
enum TemplateValue {
    case text(String)
    case flag(Bool)
    case number(Int)
    case list([TemplateValue])
    case scope(TemplateScope)

    /// The value as swift-mustache expects it (the fallback renderer).
    var mustacheValue: Any {
        switch self {
        case .text(let s): return s
        case .flag(let b): return b
        case .number(let n): return n
        case .list(let items): return items.map(\.mustacheValue)
        case .scope(let scope): return scope
        }
    }
}

/// One level of a context: names to values. A list searched in order rather than a dictionary:
/// a level has a few dozen names at most, and each carries a key made of its length and first
/// bytes, so a lookup compares integers and only confirms a match as text (comparing `String`s
/// that differ is a call per name; hashing them costs more when building than it saves).
final class TemplateScope: MustacheParent, @unchecked Sendable {
    struct Entry {
        let key: UInt64
        let name: String
        let value: TemplateValue
    }

    private let entries: [Entry]
    /// A list item that may be rendered as before (`FragmentMemo`): its entries are the memo's to make.
    let memo: FragmentMemo?

    init(_ pairs: [(String, TemplateValue)]) {
        entries = pairs.map { Entry(key: Self.key($0.0), name: $0.0, value: $0.1) }
        memo = nil
    }

    /// Entries made as they were set (`ContextBuilder`): taken as they are, not copied.
    init(entries: [Entry]) {
        self.entries = entries
        memo = nil
    }

    /// A list item for the compiled renderer only, which makes its context when it renders it.
    init(memo: FragmentMemo) {
        entries = []
        self.memo = memo
    }

    /// The length and up to the first eight UTF-8 bytes of a name.
    static func key(_ name: String) -> UInt64 {
        // On the contiguous bytes: every value of every page's context is set under a key.
        var name = name
        return name.withUTF8 { bytes in
            var key = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15
            var shift: UInt64 = 0
            for byte in bytes.prefix(8) {
                key ^= UInt64(byte) << shift
                shift += 8
            }
            return key
        }
    }

    subscript(name: String) -> TemplateValue? { self[Self.key(name), name] }

    subscript(key: UInt64, name: String) -> TemplateValue? {
        entries.withUnsafeBufferPointer { entries -> TemplateValue? in
            for i in entries.indices where entries[i].key == key && entries[i].name == name { return entries[i].value }
            return nil
        }
    }

    func child(named name: String) -> Any? { self[name]?.mustacheValue }
}

/// The templates compiled for rendering straight from `TemplateValue`s into one buffer: parsed
/// into a syntax tree (`Node`), then flattened into one `Program` that pages are rendered from.
///
/// swift-mustache parses and checks every template (its errors name the line), and renders any
/// template set this compiler does not take (delimiter changes, pragmas, transforms, dynamic
/// partials). Everything else renders here: its parser is a port of swift-mustache's, so
/// whitespace, standalone lines, partial indentation and inheritance come out byte-identical
/// (a specification renders the built-in pages and a set of edge cases through both), while a
/// variable costs a dictionary lookup and a byte scan instead of a dozen dynamic casts and a
/// per-`Character` escape.
struct CompiledTemplates: Sendable {
    /// The parser's output, flattened by `Program`.
    indirect enum Node: Sendable {
        /// Template text, as the bytes it is written as.
        case text([UInt8])
        case variable(Name, escaped: Bool)
        case section(Name, [Node], inverted: Bool)
        /// `{{>name}}`, or `{{<name}}` with the blocks it overrides.
        case partial(String, indentation: String?, overrides: [String: [Node]]?)
        /// `{{$name}}…{{/name}}` where a template uses a block.
        case block(String, [Node], indentation: String?)
        /// `{{$name}}…{{/name}}` inside `{{<parent}}`: an override (collected by the parser).
        case blockDefinition(String, [Node])
    }

    /// A variable name split at its dots once, at compile time.
    struct Name: Sendable {
        enum Kind: Sendable { case top, fromTop, fromStack }
        let kind: Kind
        let parts: [String]
        /// `TemplateScope.key` of each part, made once.
        let keys: [UInt64]

        init(_ text: String) {
            if text == "." {
                kind = .top
                parts = []
            } else {
                kind = text.first == "." ? .fromTop : .fromStack
                parts = text.split(separator: ".").map(String.init)
            }
            keys = parts.map(TemplateScope.key)
        }
    }

    struct Unsupported: Error {}

    /// Every template flattened into one program (`Program`), which pages are rendered from.
    let program: Program

    /// Compiles every template, or returns nil when one uses a feature only swift-mustache has.
    init?(sources: [String: String]) {
        var compiled: [String: [Node]] = [:]
        for (name, text) in sources {
            var parser = SubsetParser(text)
            guard let nodes = try? parser.parse(SubsetParser.State()) else { return nil }
            compiled[name] = nodes
        }
        program = Program(compiled)
    }

    func render(_ name: String, _ root: TemplateScope) -> String {
        String(decoding: renderBytes(name, root), as: UTF8.self)
    }

    /// The page as bytes: appending bytes is a copy, appending to a `String` also keeps its
    /// counts and flags (a page is a few hundred appends).
    func renderBytes(_ name: String, _ root: TemplateScope, log: FragmentLog? = nil, capacity: Int = 16_384) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        render(name, root, into: &out, log: log)
        return out
    }

    /// The page appended to `out` (rows, into a buffer used again for each). `log` is told where
    /// memo items' fragments went.
    func render(_ name: String, _ root: TemplateScope, into out: inout [UInt8], log: FragmentLog? = nil) {
        guard let range = program.templates[name] else { return }
        var context = Context(stack: [.scope(root)], indentation: nil, inherited: nil, log: log)
        program.run(range, &context, into: &out)
    }

    struct Context {
        var stack: [TemplateValue]
        var indentation: String?
        /// The blocks overridden by the partials being rendered: each block's operations.
        var inherited: [String: Range<Int>]?
        var log: FragmentLog?
        /// Set while a memo item is rendered: what it reads from outside.
        var recorder: FragmentRecorder?
    }

    /// swift-mustache compares the last `Character` with "\n", which a "\r\n" is not.
    static func endsWithNewline(_ bytes: [UInt8]) -> Bool {
        guard bytes.last == UInt8(ascii: "\n") else { return false }
        return bytes.count < 2 || bytes[bytes.count - 2] != UInt8(ascii: "\r")
    }

    /// The first part of a name is looked up from the innermost scope outwards, the rest inside it.
    @inline(__always)
    static func lookup(_ name: UnsafePointer<Name>, _ stack: [TemplateValue]) -> TemplateValue? {
        lookupWithLevel(name, stack).value
    }

    /// `lookup`, and the level of the stack where the name's first part was found (the top for
    /// `.` and `.name`; nil when nowhere).
    static func lookupWithLevel(_ name: UnsafePointer<Name>, _ stack: [TemplateValue]) -> (value: TemplateValue?, level: Int?) {
        guard var value = stack.last else { return (nil, nil) }
        var level = stack.count - 1
        var part = 0
        let parts = name.pointee.parts.count
        switch name.pointee.kind {
        case .top:
            return (value, level)
        case .fromTop:
            break
        case .fromStack:
            guard parts > 0 else { return (value, level) }
            let key = name.pointee.keys[0]
            var found: TemplateValue?
            stack.withUnsafeBufferPointer { stack in
                var i = stack.count
                while i > 0 {
                    i -= 1
                    if case .scope(let scope) = stack[i], let hit = scope[key, name.pointee.parts[0]] {
                        found = hit
                        level = i
                        return
                    }
                }
            }
            guard let found else { return (nil, nil) }
            value = found
            part = 1
        }
        while part < parts {
            guard case .scope(let scope) = value, let next = scope[name.pointee.keys[part], name.pointee.parts[part]] else { return (nil, level) }
            value = next
            part += 1
        }
        return (value, level)
    }

    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// HTML escaping as swift-mustache does it (`'` as `&#39;`), over bytes: runs without markup
    /// are copied whole. (Markup characters always stand alone here: `TemplateSet.box` separates
    /// them from combining marks, so escaping bytes and escaping `Character`s agree.)
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            // The runs between markup characters are found eight bytes at a time.
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while start < bytes.count {
                let i = start + botcatalog_html_escape_at(base + start, bytes.count - start)
                guard i < bytes.count else { break }
                let replacement: StaticString
                switch bytes[i] {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                default: replacement = "&#39;"
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                start = i + 1
            }
            if start < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
    }
}

/// The compiled templates as one flat list of operations over plain data, which pages are
/// rendered from: walking the syntax tree retained and released every node and every text as
/// it went (a few hundred per page, each an atomic count), which a list of plain structs and
/// byte ranges does not. A section or block holds the end of its body, so its body is the
/// operations after it up to there; a partial names its template by index.
final class Program: @unchecked Sendable {
    enum Code: UInt8 { case text, variable, rawVariable, section, invertedSection, partial, block }

    struct Op {
        var code: Code
        /// text: where its bytes start; variables and sections: the name's index; partial: the
        /// template's index (-1: none by that name); block: its name's index in `strings`.
        var a: Int32 = -1
        /// text: its length; section and block: the end of the body; partial: the
        /// indentation's index in `strings` (-1: none).
        var b: Int32 = -1
        /// partial: its overrides' index (-1: none); block: the indentation's index (-1: none).
        var c: Int32 = -1
    }

    /// Held in memory of their own, never moved, so rendering reads them through plain pointers.
    let ops: UnsafeMutableBufferPointer<Op>
    let text: UnsafeMutableBufferPointer<UInt8>
    let names: UnsafeMutableBufferPointer<CompiledTemplates.Name>
    let strings: [String]
    let overrides: [[String: Range<Int>]]
    let templates: [String: Range<Int>]
    let templateRanges: [Range<Int>]

    init(_ compiled: [String: [CompiledTemplates.Node]]) {
        var builder = Builder()
        // Sorted, so the same templates give the same program.
        let names = compiled.keys.sorted()
        var ranges: [String: Range<Int>] = [:]
        for name in names {
            let start = builder.ops.count
            builder.emit(compiled[name]!)
            ranges[name] = start..<builder.ops.count
        }
        // Override bodies go after the templates (they run only through a block).
        while let (index, bodies) = builder.pendingOverrides.popLast() {
            var made: [String: Range<Int>] = [:]
            for (block, body) in bodies.sorted(by: { $0.key < $1.key }) {
                let start = builder.ops.count
                builder.emit(body)
                made[block] = start..<builder.ops.count
            }
            builder.overrides[index] = made
        }
        let rangeList = names.map { ranges[$0]! }
        let indexOf = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
        for (at, partial) in builder.partials { builder.ops[at].a = indexOf[partial] ?? -1 }
        ops = .allocate(capacity: max(1, builder.ops.count))
        _ = ops.initialize(from: builder.ops)
        text = .allocate(capacity: max(1, builder.text.count))
        _ = text.initialize(from: builder.text)
        // Exactly as many as there are: all of them are deinitialized at the end.
        self.names = .allocate(capacity: builder.names.count)
        _ = self.names.initialize(from: builder.names)
        strings = builder.strings
        overrides = builder.overrides
        templates = ranges
        templateRanges = rangeList
    }

    deinit {
        names.deinitialize()
        names.deallocate()
        ops.deallocate()
        text.deallocate()
    }

    private struct Builder {
        var ops: [Op] = []
        var text: [UInt8] = []
        var names: [CompiledTemplates.Name] = []
        var strings: [String] = []
        var overrides: [[String: Range<Int>]] = []
        var pendingOverrides: [(Int, [String: [CompiledTemplates.Node]])] = []
        /// Partial operations and the template they name, resolved once every template is in.
        var partials: [(Int, String)] = []

        mutating func string(_ value: String?) -> Int32 {
            guard let value else { return -1 }
            strings.append(value)
            return Int32(strings.count - 1)
        }

        mutating func emit(_ nodes: [CompiledTemplates.Node]) {
            for node in nodes {
                switch node {
                case .text(let bytes):
                    ops.append(Op(code: .text, a: Int32(text.count), b: Int32(bytes.count)))
                    text += bytes
                case .variable(let name, let escaped):
                    names.append(name)
                    ops.append(Op(code: escaped ? .variable : .rawVariable, a: Int32(names.count - 1)))
                case .section(let name, let body, let inverted):
                    names.append(name)
                    let at = ops.count
                    ops.append(Op(code: inverted ? .invertedSection : .section, a: Int32(names.count - 1)))
                    emit(body)
                    ops[at].b = Int32(ops.count)
                case .partial(let name, let indentation, let bodies):
                    var op = Op(code: .partial, b: string(indentation))
                    if let bodies {
                        overrides.append([:])
                        op.c = Int32(overrides.count - 1)
                        pendingOverrides.append((overrides.count - 1, bodies))
                    }
                    partials.append((ops.count, name))
                    ops.append(op)
                case .block(let name, let fallback, let indentation):
                    let at = ops.count
                    ops.append(Op(code: .block, a: string(name), c: string(indentation)))
                    emit(fallback)
                    ops[at].b = Int32(ops.count)
                case .blockDefinition:
                    break
                }
            }
        }
    }

    /// The operations in `range` at one level (a section's or block's body is a level of its
    /// own), with swift-mustache's rule for indented partials: an operation's non-empty output
    /// that starts a new line within this level gets the indentation first.
    func run(_ range: Range<Int>, _ context: inout CompiledTemplates.Context, into out: inout [UInt8]) {
        let indentation = context.indentation ?? ""
        let levelStart = out.count
        var i = range.lowerBound
        while i < range.upperBound {
            let op = ops[i]
            let before = out.count
            let atLineStart = !indentation.isEmpty && before > levelStart && CompiledTemplates.endsWithNewline(out)
            // After a section or block: the end of its body.
            var next = i + 1
            switch op.code {
            case .text:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[Int(op.a)..<Int(op.a + op.b)]))
            case .variable, .rawVariable:
                let escaped = op.code == .variable
                let name = names.baseAddress! + Int(op.a)
                switch context.recorder == nil ? CompiledTemplates.lookup(name, context.stack) : lookupNoting(name, context) {
                case .text(let s)?: if escaped { CompiledTemplates.appendEscaped(s, to: &out) } else { CompiledTemplates.append(s, to: &out) }
                case .flag(let b)?: CompiledTemplates.append(b ? "true" : "false", to: &out)
                case .number(let n)?: CompiledTemplates.append(String(n), to: &out)
                // What swift-mustache prints for a list or an object (no template of ours does this).
                case let value?:
                    let text = String(describing: value.mustacheValue)
                    if escaped { CompiledTemplates.appendEscaped(text, to: &out) } else { CompiledTemplates.append(text, to: &out) }
                case nil: break
                }
            case .section, .invertedSection:
                let body = (i + 1)..<Int(op.b)
                let name = names.baseAddress! + Int(op.a)
                let value = context.recorder == nil ? CompiledTemplates.lookup(name, context.stack) : lookupNoting(name, context)
                if op.code == .invertedSection {
                    switch value {
                    case .list(let items)? where items.isEmpty: runPushed(value!, body, &context, into: &out)
                    case .flag(false)?, nil: run(body, &context, into: &out)
                    default: break
                    }
                } else {
                    switch value {
                    case .list(let items)?: for item in items { runItem(item, body, &context, into: &out) }
                    case .flag(let b)?: if b { run(body, &context, into: &out) }
                    case let value?: runPushed(value, body, &context, into: &out)
                    case nil: break
                    }
                }
                next = Int(op.b)
            case .partial:
                if op.a >= 0 {
                    var inner = context
                    if op.b >= 0 { inner.indentation = (context.indentation ?? "") + strings[Int(op.b)] }
                    if op.c >= 0 {
                        // Overrides given further out win, as in swift-mustache.
                        let given = overrides[Int(op.c)]
                        inner.inherited = context.inherited.map { $0.merging(given) { outer, _ in outer } } ?? given
                    }
                    run(templateRanges[Int(op.a)], &inner, into: &out)
                }
            case .block:
                // Which body runs is the enclosing partials' choice: a memo item's pass that runs one is not kept.
                context.recorder?.spoiled = true
                var inner = context
                if op.c >= 0 { inner.indentation = (context.indentation ?? "") + strings[Int(op.c)] }
                run(context.inherited?[strings[Int(op.a)]] ?? (i + 1)..<Int(op.b), &inner, into: &out)
                next = Int(op.b)
            }
            if atLineStart && out.count > before {
                out.insert(contentsOf: indentation.utf8, at: before)
                context.log?.shift(from: before, by: indentation.utf8.count)
            }
            i = next
        }
    }

    func runPushed(_ value: TemplateValue, _ body: Range<Int>, _ context: inout CompiledTemplates.Context, into out: inout [UInt8]) {
        context.stack.append(value)
        run(body, &context, into: &out)
        context.stack.removeLast()
    }
}

/// swift-mustache's parser (`Template+Parser.swift`), ported step for step for the tags the
/// compiled renderer takes; anything else throws `Unsupported`.
struct SubsetParser {
    typealias Node = CompiledTemplates.Node

    struct State {
        var sectionName: String?
        var newLine = true
        var isPartialDefinition = false
        var isPartialDefinitionTopLevel = false
        var partialDefinitionIndent: String?

        func withSectionName(_ name: String, newLine: Bool) -> State {
            var state = self
            state.sectionName = name
            state.isPartialDefinitionTopLevel = false
            if !newLine { state.newLine = false }
            return state
        }

        func withInheritancePartial(_ name: String) -> State {
            var state = self
            state.sectionName = name
            state.newLine = true
            state.isPartialDefinition = true
            state.isPartialDefinitionTopLevel = true
            return state
        }
    }

    private let chars: [Character]
    private var position = 0

    init(_ text: String) { chars = Array(text) }

    private static let nameChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
    private static let partialNameChars = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*/")

    private var atEnd: Bool { position >= chars.count }
    private var current: Character { atEnd ? "\0" : chars[position] }

    @discardableResult
    private mutating func read(while set: Set<Character>) -> String {
        let start = position
        while !atEnd, set.contains(chars[position]) { position += 1 }
        return String(chars[start..<position])
    }

    private mutating func skipWhitespace() {
        while !atEnd, chars[position].isWhitespace { position += 1 }
    }

    private mutating func read(_ text: String) throws -> Bool {
        let wanted = Array(text)
        guard position + wanted.count <= chars.count else { throw CompiledTemplates.Unsupported() }
        guard Array(chars[position..<(position + wanted.count)]) == wanted else { return false }
        position += wanted.count
        return true
    }

    mutating func parse(_ initial: State) throws -> [Node] {
        var nodes: [Node] = []
        var state = initial
        var whiteSpaceBefore = ""
        while !atEnd {
            if state.newLine {
                let whiteSpace = read(while: [" ", "\t"])
                if state.isPartialDefinition, !state.isPartialDefinitionTopLevel {
                    if let indent = state.partialDefinitionIndent {
                        whiteSpaceBefore = String(whiteSpace.dropFirst(indent.count))
                    } else {
                        state.partialDefinitionIndent = whiteSpace
                    }
                } else {
                    whiteSpaceBefore = whiteSpace
                }
            }
            let text = try readUntilDelimiterOrNewline()
            if current.isNewline {
                nodes.append(.text(Array((whiteSpaceBefore + text + String(current)).utf8)))
                state.newLine = true
                position += 1
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(Array((whiteSpaceBefore + text).utf8)))
                whiteSpaceBefore = ""
                state.newLine = false
            }
            if atEnd { break }
            var setNewLine = false
            switch current {
            case "#", "^":
                let inverted = current == "^"
                position += 1
                let name = try parseName()
                if isStandalone(state) {
                    setNewLine = true
                } else if !whiteSpaceBefore.isEmpty {
                    nodes.append(.text(Array(whiteSpaceBefore.utf8)))
                    whiteSpaceBefore = ""
                }
                let body = try parse(state.withSectionName(name, newLine: setNewLine))
                nodes.append(.section(CompiledTemplates.Name(name), body, inverted: inverted))
            case "/":
                position += 1
                let name = try parseName()
                guard name == state.sectionName else { throw CompiledTemplates.Unsupported() }
                if !isStandalone(state), !whiteSpaceBefore.isEmpty {
                    nodes.append(.text(Array(whiteSpaceBefore.utf8)))
                }
                return nodes
            case "!":
                position += 1
                try skipComment()
                setNewLine = isStandalone(state)
            case "{", "&":
                let triple = current == "{"
                if !whiteSpaceBefore.isEmpty {
                    nodes.append(.text(Array(whiteSpaceBefore.utf8)))
                    whiteSpaceBefore = ""
                }
                position += 1
                let name = try parseName()
                if triple { guard try read("}") else { throw CompiledTemplates.Unsupported() } }
                nodes.append(.variable(CompiledTemplates.Name(name), escaped: false))
            case ">":
                position += 1
                skipWhitespace()
                guard current != "*" else { throw CompiledTemplates.Unsupported() }
                let name = try parsePartialName()
                if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore.utf8))) }
                if isStandalone(state) {
                    setNewLine = true
                    nodes.append(.partial(name, indentation: whiteSpaceBefore, overrides: nil))
                } else {
                    nodes.append(.partial(name, indentation: nil, overrides: nil))
                }
                whiteSpaceBefore = ""
            case "<":
                position += 1
                skipWhitespace()
                let name = try parsePartialName()
                guard name.first != "*" else { throw CompiledTemplates.Unsupported() }
                if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore.utf8))) }
                if isStandalone(state) { setNewLine = true }
                var overrides: [String: [Node]] = [:]
                for node in try parse(state.withInheritancePartial(name)) {
                    switch node {
                    case .blockDefinition(let block, let body): overrides[block] = body
                    case .text: break
                    default: throw CompiledTemplates.Unsupported()
                    }
                }
                nodes.append(.partial(name, indentation: whiteSpaceBefore, overrides: overrides))
                whiteSpaceBefore = ""
            case "$":
                position += 1
                let name = try parseName()
                if state.isPartialDefinitionTopLevel {
                    if isStandalone(state) { setNewLine = true }
                    nodes.append(.blockDefinition(name, try parse(state.withSectionName(name, newLine: setNewLine))))
                } else {
                    if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore.utf8))) }
                    if isStandalone(state) { setNewLine = true }
                    let body = try parse(state.withSectionName(name, newLine: setNewLine))
                    nodes.append(.block(name, body, indentation: whiteSpaceBefore))
                    whiteSpaceBefore = ""
                }
            case "=", "%":
                throw CompiledTemplates.Unsupported()
            default:
                if !whiteSpaceBefore.isEmpty {
                    nodes.append(.text(Array(whiteSpaceBefore.utf8)))
                    whiteSpaceBefore = ""
                }
                nodes.append(.variable(CompiledTemplates.Name(try parseName()), escaped: true))
            }
            state.newLine = setNewLine
        }
        guard state.sectionName == nil else { throw CompiledTemplates.Unsupported() }
        return nodes
    }

    private mutating func readUntilDelimiterOrNewline() throws -> String {
        var text = ""
        while !atEnd {
            let start = position
            while !atEnd, chars[position] != "\n", chars[position] != "\r\n", chars[position] != "{" { position += 1 }
            text += String(chars[start..<position])
            if current.isNewline { break }
            if current == "{" {
                if try read("{{") { break }
                text += "{"
                position += 1
            }
        }
        return text
    }

    /// A name, or `Unsupported` for transforms (`upper(name)`).
    private mutating func parseName() throws -> String {
        skipWhitespace()
        let name = read(while: Self.nameChars)
        skipWhitespace()
        guard try read("}}"), !name.contains("(") else { throw CompiledTemplates.Unsupported() }
        return name
    }

    private mutating func parsePartialName() throws -> String {
        skipWhitespace()
        let name = read(while: Self.partialNameChars)
        skipWhitespace()
        guard try read("}}") else { throw CompiledTemplates.Unsupported() }
        return name
    }

    private mutating func skipComment() throws {
        while !atEnd {
            if chars[position] == "}", position + 1 < chars.count, chars[position + 1] == "}" {
                position += 2
                return
            }
            position += 1
        }
        throw CompiledTemplates.Unsupported()
    }

    private func lineFinishes(from start: Int) -> Int? {
        var p = start
        if p >= chars.count { return p }
        while p < chars.count, chars[p] == " " || chars[p] == "\t" { p += 1 }
        if p < chars.count, chars[p].isNewline { return p + 1 }
        return nil
    }

    /// A tag alone on its line (but for spaces): the rest of the line, its newline included, is skipped.
    private mutating func isStandalone(_ state: State) -> Bool {
        guard state.newLine, let end = lineFinishes(from: position) else { return false }
        position = end
        return true
    }
}
