import Foundation
import Mustache
import Testing

@testable import BotCatalog

/// The compiled renderer is a faster route to the very bytes swift-mustache renders: every page
/// of the demo and hostile sites and a set of Mustache edge cases come out identical through
/// both, and templates using what it does not take fall back to swift-mustache.
@Suite("Compiled templates")
struct CompiledTemplatesTests {
    @Test("the built-in templates compile")
    func builtInsCompile() throws {
        #expect(try TemplateSet.load(from: TemplateSet.builtInFolder).compiled != nil)
    }

    @Test("every page of the demo site is byte-identical through swift-mustache and the compiled renderer",
          arguments: [nil, SiteTests.baseURL] as [String?])
    func demoSiteIdentical(baseURL: String?) async throws {
        let built = try await DemoSite.built(baseURL: baseURL)
        let store = StateStore(folder: built.state, keep: 10)
        let input = SiteInput(title: "Demo", baseURL: baseURL, snapshot: try #require(try store.latestSnapshot()), history: try store.history())
        try await Self.expectIdentical(input, name: "demo")
    }

    @Test("the hostile site (markup, bidi, combining marks, 200 KB strings) renders identically through both")
    func hostileIdentical() async throws {
        let harness = try await DemoHarness(world: Hostile.world(day: 1), folder: try TestSupport.temporaryFolder())
        do {
            _ = try await harness.run(day: 1)
            harness.server.setWorld(Hostile.world(day: 2))
            _ = try await harness.run(day: 2)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        let store = StateStore(folder: harness.state, keep: 10)
        let input = SiteInput(title: Hostile.payloads[1], baseURL: nil, snapshot: try #require(try store.latestSnapshot()), history: try store.history())
        try await Self.expectIdentical(input, name: "hostile")
    }

    static func expectIdentical(_ input: SiteInput, name: String) async throws {
        let templates = try TemplateSet.load(from: TemplateSet.builtInFolder)
        let folder = try TestSupport.temporaryFolder("compiled-\(name)")
        var sites: [String] = []
        for set in [templates, templates.withoutCompiledRenderer] {
            let output = "\(folder)/site-\(sites.count)"
            let builder = SiteBuilder(output: output, manifestPath: "\(folder)/state-\(sites.count)/site-manifest.json", templates: set)
            try FileManager.default.createDirectory(atPath: "\(folder)/state-\(sites.count)", withIntermediateDirectories: true)
            try await builder.stage(input).publish()
            sites.append(output)
        }
        let compiled = TestSupport.files(under: sites[0])
        let reference = TestSupport.files(under: sites[1])
        #expect(compiled.count > 10 && Set(compiled.keys) == Set(reference.keys))
        for (path, data) in reference where compiled[path] != data {
            Issue.record("\(path) differs between the renderers")
        }
    }

    /// Whitespace, standalone lines, indentation, inheritance, inverted sections, dotted names,
    /// the context stack: each case through both renderers.
    static let edgeCases: [(String, [String: String])] = [
        ("a{{x}}b\n{{#flag}}\n  in\n{{/flag}}\nend", [:]),
        ("  {{#list}}\n  - {{name}}\n  {{/list}}\n", [:]),
        ("{{^empty}}none{{/empty}}|{{^list}}x{{/list}}|{{#missing}}m{{/missing}}{{^missing}}!{{/missing}}", [:]),
        ("{{#list}}{{name}}/{{outer}}/{{.}}{{/list}}", [:]),
        ("{{nested.inner.name}} {{#nested}}{{inner.name}}{{.name}}{{/nested}}", [:]),
        ("{{{html}}} {{&html}} {{html}} {{count}} {{flag}}", [:]),
        ("  {{! a comment }}  \nafter\n{{!\nmulti\n}}\nend", [:]),
        ("<ul>\n  {{>item}}\n</ul>\n", ["item": "<li>{{x}}</li>\n<li>two</li>\n"]),
        ("{{<base}}{{$title}}Mine{{/title}}{{/base}}", ["base": "<h1>{{$title}}Default{{/title}}</h1>\n{{$body}}Body {{x}}{{/body}}\n"]),
        ("{{<base}}\n{{$title}}\n  T {{x}}\n{{/title}}\n{{/base}}\n", ["base": "<h1>\n  {{$title}}\n  fallback\n  {{/title}}\n</h1>\n"]),
        ("x\r\n{{#flag}}\r\ny\r\n{{/flag}}\r\nz", [:]),
        ("{ {{x}} }{{x}}{ x", [:]),
        ("{{#flag}}a{{#list}}[{{name}}{{#flag}}+{{/flag}}]{{/list}}b{{/flag}}", [:]),
        ("  {{>indented}}\n", ["indented": "one\n{{#list}}\n{{name}}\n{{/list}}\ntwo\n"]),
        // Inheritance two deep (the outermost override wins), a parent used inside an override,
        // a missing partial, and a block standing indented in an indented partial.
        ("{{<outer}}{{$a}}A-page {{x}}{{/a}}{{/outer}}", ["outer": "{{<base}}{{$a}}A-outer{{/a}}{{$b}}B-outer{{/b}}{{/base}}", "base": "[{{$a}}a{{/a}}|{{$b}}b{{/b}}]\n"]),
        ("{{<base}}{{$a}}{{<inner}}{{$x}}X{{/x}}{{/inner}}{{/a}}{{/base}}", ["base": "<{{$a}}-{{/a}}>", "inner": "({{$x}}x{{/x}}{{$y}}y{{/y}})"]),
        ("a{{>nope}}b\n  {{>nope}}\nc", [:]),
        ("<main>\n  {{>card}}\n</main>\n", ["card": "<div>\n  {{$body}}\n  default {{#list}}{{name}}{{/list}}\n  {{/body}}\n</div>\n"]),
    ]

    static var edgeContext: [String: Any] { [
        "x": "<&\"'>", "flag": true, "outer": "O", "count": 42, "html": "<b>bold</b>", "empty": [[String: Any]](),
        "list": [["name": "a"], ["name": "b<"]], "nested": ["inner": ["name": "deep"], "name": "n"],
    ] }

    @Test("Mustache edge cases render identically through both", arguments: 0..<CompiledTemplatesTests.edgeCases.count)
    func edgeCase(_ index: Int) throws {
        let (template, partials) = Self.edgeCases[index]
        var sources = partials
        sources["page"] = template
        var library = MustacheLibrary()
        for (name, text) in sources { library.register(try MustacheTemplate(string: text), named: name) }
        let compiled = try #require(CompiledTemplates(sources: sources), "compiles: \(template.debugDescription)")
        let expected = library.render(TemplateSet.box(Self.edgeContext), withTemplate: "page") ?? ""
        #expect(compiled.render("page", TemplateSet.box(Self.edgeContext)) == expected, "\(template.debugDescription)")
    }

    /// The edge context with `list`'s items as memo items (none cached), each made as the plain item is.
    static func memoContext(_ memos: inout [FragmentMemo], cached: [UInt64: Fragment] = [:], made: Counter? = nil) -> [String: Any] {
        var context = edgeContext
        let items = (edgeContext["list"] as? [[String: Any]]) ?? []
        memos = items.enumerated().map { index, item in
            FragmentMemo(key: UInt64(index), cached: cached[UInt64(index)]) { made?.count += 1; return TemplateSet.box(item) }
        }
        context["list"] = TemplateValue.list(memos.map { .scope(TemplateScope(memo: $0)) })
        return context
    }

    final class Counter: @unchecked Sendable { var count = 0 }

    @Test("memo items render as plain items do, and again from their logged fragments, in every edge case",
          arguments: 0..<CompiledTemplatesTests.edgeCases.count)
    func memoItems(_ index: Int) throws {
        let (template, partials) = Self.edgeCases[index]
        var sources = partials
        sources["page"] = template
        let compiled = try #require(CompiledTemplates(sources: sources))
        let plain = compiled.renderBytes("page", TemplateSet.box(Self.edgeContext))
        var memos: [FragmentMemo] = []
        let log = FragmentLog()
        let first = compiled.renderBytes("page", TemplateSet.box(Self.memoContext(&memos)), log: log)
        #expect(first == plain, "\(template.debugDescription)")
        let fragments = log.fragments(in: first)
        // Each fragment is what its item rendered to (the plain item in the same place).
        for entry in log.entries { #expect(Array(first[entry.range]) == Array(fragments[entry.key]?.bytes ?? [])) }
        let made = Counter()
        let second = compiled.renderBytes("page", TemplateSet.box(Self.memoContext(&memos, cached: fragments, made: made)))
        #expect(second == plain, "\(template.debugDescription)")
        #expect(fragments.count == memos.count || !template.contains("{{#list}}"), "every item rendered is logged: \(template.debugDescription)")
        #expect(made.count == 0 || fragments.count < memos.count, "logged fragments are taken, not rendered again: \(template.debugDescription)")
    }

    @Test("a memo item's fragment is taken while the names it read outside give the same and the indentation is the same; otherwise rendered")
    func memoEscapes() throws {
        let compiled = try #require(CompiledTemplates(sources: [
            "page": "{{#list}}<{{name}}|{{outer}}|{{missing}}>{{/list}}\n",
            "indented": "  {{>page}}\n",
            "block": "{{#list}}{{$b}}[{{name}}]{{/b}}{{/list}}",
        ]))
        let log = FragmentLog()
        var memos: [FragmentMemo] = []
        let first = compiled.renderBytes("page", TemplateSet.box(Self.memoContext(&memos)), log: log)
        #expect(String(decoding: first, as: UTF8.self) == "<a|O|><b&lt;|O|>\n")
        #expect(log.entries.map { $0.escapes.map(\.name) } == [["missing", "outer"], ["missing", "outer"]], "what each read outside its item")
        var fragments = log.fragments(in: first)

        // Taken as they are: a fragment standing for the item is written whatever it holds.
        fragments[1]?.bytes = ArraySlice(Array("<kept>".utf8))
        let made = Counter()
        func render(_ name: String = "page", _ change: (inout [String: Any]) -> Void = { _ in }) -> String {
            var context = Self.memoContext(&memos, cached: fragments, made: made)
            change(&context)
            return String(decoding: compiled.renderBytes(name, TemplateSet.box(context)), as: UTF8.self)
        }
        #expect(render() == "<a|O|><kept>\n" && made.count == 0)
        // A name read outside gives something else, or a name found nowhere now is: rendered.
        #expect(render { $0["outer"] = "P" } == "<a|P|><b&lt;|P|>\n" && made.count == 2)
        #expect(render { $0["missing"] = "M" } == "<a|O|M><b&lt;|O|M>\n" && made.count == 4)
        // At another indentation: rendered.
        #expect(render("indented") == "  <a|O|><b&lt;|O|>\n" && made.count == 6)
        // A memo item inside another's pass is rendered with its own context, as part of that pass.
        let nested = try #require(CompiledTemplates(sources: ["page": "{{#list}}[{{name}}{{#inner}}({{name}}){{/inner}}]{{/list}}"]))
        func item(_ name: String, inner: [String]) -> TemplateValue {
            let memo = FragmentMemo(key: UInt64(name.utf8.count), cached: nil) {
                TemplateSet.box(["name": name, "inner": TemplateValue.list(inner.map { child in
                    .scope(TemplateScope(memo: FragmentMemo(key: 99, cached: nil) { TemplateSet.box(["name": child]) }))
                })])
            }
            return .scope(TemplateScope(memo: memo))
        }
        let nestedLog = FragmentLog()
        let nestedPage = nested.renderBytes("page", TemplateSet.box(["list": TemplateValue.list([item("a", inner: ["x", "y"]), item("bb", inner: [])])]), log: nestedLog)
        #expect(String(decoding: nestedPage, as: UTF8.self) == "[a(x)(y)][bb]")
        #expect(nestedLog.entries.map(\.key) == [1, 2], "only the outer items are logged")
        // A pass that runs a block is never kept.
        let blockLog = FragmentLog()
        _ = compiled.renderBytes("block", TemplateSet.box(Self.memoContext(&memos)), log: blockLog)
        #expect(blockLog.entries.isEmpty)
    }

    @Test("templates using what only swift-mustache has fall back to it, whole",
          arguments: ["{{=<% %>=}}<% x %>", "{{uppercased(x)}}", "{{>*dynamic}}", "{{% CONTENT_TYPE: TEXT}}{{x}}"])
    func fallback(_ template: String) throws {
        #expect(CompiledTemplates(sources: ["page": template]) == nil)
        var library = MustacheLibrary()
        library.register(try MustacheTemplate(string: template), named: "page")
        let set = TemplateSet(folder: "", library: library, compiled: nil, assets: [], fingerprint: "")
        #expect(set.render("page", Self.edgeContext) == set.renderWithMustache("page", Self.edgeContext))
    }
}
