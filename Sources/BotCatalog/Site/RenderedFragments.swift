/// List items whose rendering is taken from an earlier one: the changelog's runs. The changelog
/// lists every run there ever was, and a run's part of it stays as it was (its bots' pages and
/// its organizations' names aside, which its key covers): re-rendering a year of runs, twice (the
/// page and its cache's copy), was most of a 1%-changed build.
///
/// A fragment is what one item's pass through the section's body appended. It stands for that
/// pass as long as everything the pass read is the same: the item's own context (its key says
/// so), the indentation it was rendered at, and each name it looked up outside the item, with
/// what that gave (`Escape`: checked against the context it is to be used in). A pass that ran a
/// block (whose body the enclosing partials choose) or read a list or an object from outside is
/// not kept.
final class FragmentMemo: @unchecked Sendable {
    /// What the item's context is made from (for a run: its print, the templates').
    let key: UInt64
    /// The item's context, made only when the fragment has to be rendered.
    let make: () -> TemplateScope
    /// A fragment for this key from the last build or an earlier render of this one.
    var cached: Fragment?

    init(key: UInt64, cached: Fragment?, make: @escaping () -> TemplateScope) {
        self.key = key
        self.cached = cached
        self.make = make
    }
}

/// One item's rendering and what it depended on besides the item.
struct Fragment: Sendable, Equatable {
    var bytes: ArraySlice<UInt8>
    /// The indentation of the partial it was rendered in ("" at none).
    var indentation: String
    /// The names looked up outside the item, each once, in name order.
    var escapes: [Escape]
}

/// A name a fragment looked up outside its item, and a print of what it gave (`absent` when nothing).
struct Escape: Sendable, Equatable {
    let name: String
    let value: UInt64

    static let absent: UInt64 = {
        var f = Fingerprint()
        f.add("absent")
        return f.value
    }()

    /// nil for a list or an object: too much to print for a name read from outside an item.
    static func print(_ value: TemplateValue?) -> UInt64? {
        var f = Fingerprint()
        switch value {
        case nil: return absent
        case .text(let s)?: f.add("text"); f.add(s)
        case .flag(let b)?: f.add(b ? "true" : "false")
        case .number(let n)?: f.add("number"); f.add(String(n))
        case .list?, .scope?: return nil
        }
        return f.value
    }
}

/// Where a render put its memo items' fragments, by key, in its output (kept right when an
/// indentation is inserted before them).
final class FragmentLog: @unchecked Sendable {
    struct Entry: Sendable, Equatable {
        var key: UInt64
        var range: Range<Int>
        var indentation: String
        var escapes: [Escape]
    }

    private(set) var entries: [Entry] = []

    func add(_ entry: Entry) { entries.append(entry) }

    /// `count` bytes were inserted at `position`: fragments from there on moved.
    func shift(from position: Int, by count: Int) {
        for i in entries.indices where entries[i].range.lowerBound >= position {
            entries[i].range = (entries[i].range.lowerBound + count)..<(entries[i].range.upperBound + count)
        }
    }

    /// The fragments as slices of `output`, the bytes the render made (no copy).
    func fragments(in output: [UInt8]) -> [UInt64: Fragment] { Self.fragments(entries, in: output) }

    /// `entries`' fragments as slices of `bytes` (no copy), by key; those not within it left out.
    static func fragments(_ entries: [Entry], in bytes: [UInt8]) -> [UInt64: Fragment] {
        var made: [UInt64: Fragment] = [:]
        for entry in entries where entry.range.upperBound <= bytes.count {
            made[entry.key] = Fragment(bytes: bytes[entry.range], indentation: entry.indentation, escapes: entry.escapes)
        }
        return made
    }
}

/// What one item's pass read from outside the item (the stack below `floor`).
final class FragmentRecorder {
    let floor: Int
    private(set) var escapes: [String: UInt64] = [:]
    /// The pass depends on something an escape cannot tell: not kept.
    var spoiled = false

    init(floor: Int) { self.floor = floor }

    func note(_ name: UnsafePointer<CompiledTemplates.Name>, _ value: TemplateValue?) {
        guard let print = Escape.print(value) else { spoiled = true; return }
        let text = name.pointee.text
        if let seen = escapes[text], seen != print { spoiled = true }
        escapes[text] = print
    }

    var sortedEscapes: [Escape] { escapes.keys.sorted().map { Escape(name: $0, value: escapes[$0]!) } }
}

extension CompiledTemplates.Name {
    /// The name as the template wrote it.
    var text: String {
        switch kind {
        case .top: return "."
        case .fromTop: return "." + parts.joined(separator: ".")
        case .fromStack: return parts.joined(separator: ".")
        }
    }
}

extension Program {
    /// One item of a list section: a memo item's fragment when it still stands (else rendered,
    /// noting what it reads from outside), any other item rendered.
    func runItem(_ item: TemplateValue, _ body: Range<Int>, _ context: inout CompiledTemplates.Context, into out: inout [UInt8]) {
        guard case .scope(let scope) = item, let memo = scope.memo else { return runPushed(item, body, &context, into: &out) }
        // A memo item inside another's pass is rendered as part of that pass.
        guard context.recorder == nil else { return runPushed(.scope(memo.make()), body, &context, into: &out) }
        let indentation = context.indentation ?? ""
        let start = out.count
        if let cached = memo.cached, cached.indentation == indentation, cached.escapes.allSatisfy({ stands($0, in: context.stack) }) {
            out.append(contentsOf: cached.bytes)
            context.log?.add(FragmentLog.Entry(key: memo.key, range: start..<out.count, indentation: indentation, escapes: cached.escapes))
            return
        }
        let recorder = FragmentRecorder(floor: context.stack.count)
        context.recorder = recorder
        runPushed(.scope(memo.make()), body, &context, into: &out)
        context.recorder = nil
        if !recorder.spoiled {
            context.log?.add(FragmentLog.Entry(key: memo.key, range: start..<out.count, indentation: indentation, escapes: recorder.sortedEscapes))
        }
    }

    /// Whether the name gives what it gave when the fragment was rendered.
    private func stands(_ escape: Escape, in stack: [TemplateValue]) -> Bool {
        var name = CompiledTemplates.Name(escape.name)
        return Escape.print(CompiledTemplates.lookup(&name, stack)) == escape.value
    }

    /// A lookup during a memo item's pass: noted when the name's first part is found outside
    /// the item (or nowhere).
    func lookupNoting(_ name: UnsafePointer<CompiledTemplates.Name>, _ context: CompiledTemplates.Context) -> TemplateValue? {
        let (value, level) = CompiledTemplates.lookupWithLevel(name, context.stack)
        if let recorder = context.recorder, name.pointee.kind == .fromStack, (level ?? -1) < recorder.floor {
            recorder.note(name, value)
        }
        return value
    }
}
