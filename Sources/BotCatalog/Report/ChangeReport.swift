/// The change report for cron: Markdown for a mail or a chat, JSON for machines,
/// and one summary line for stdout. Pure.
public struct ChangeReport: Sendable {
    public var title: String
    public var at: String
    public var changes: ChangeSet
    public var sources: [SourceStatus]
    /// Where bot pages live, to link them (nil: no links).
    public var baseURL: String?
    public var botPaths: [BotKey: String]

    public init(title: String, at: String, changes: ChangeSet, sources: [SourceStatus], baseURL: String? = nil, botPaths: [BotKey: String] = [:]) {
        self.title = title
        self.at = at
        self.changes = changes
        self.sources = sources
        self.baseURL = baseURL
        self.botPaths = botPaths
    }

    var problems: [SourceStatus] { sources.filter { $0.state != .complete } }

    /// One line: `botcatalog: 2 added, 1 removed, 3 changed (1 renamed) — 42 bots` plus a warning when partial.
    public func summaryLine(botCount: Int) -> String {
        var line = "\(title): \(changes.summary) — \(botCount) bots"
        let failing = problems
        if !failing.isEmpty {
            line += "; PARTIAL: " + failing.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", ") + " (its bots carried over, none reported removed)"
        }
        return line
    }

    // MARK: Markdown

    public func markdown() -> String {
        if changes.isEmpty && problems.isEmpty {
            return "No changes in \(title) at \(at).\n"
        }
        var md = "# \(escape(title)): \(changes.summary)\n\n"
        md += "Checked at \(at).\n"
        for source in problems {
            md += "\n> **\(source.name) \(source.state == .failed ? "failed" : "was fetched partially")**: its bots were carried over and marked stale; none is reported removed.\n"
            for problem in source.problems { md += "> - \(escape(problem))\n" }
        }
        if !changes.added.isEmpty {
            md += "\n## Added (\(changes.added.count))\n\n"
            for ref in changes.added { md += "- \(link(ref))\(where_(ref))\n" }
        }
        if !changes.removed.isEmpty {
            md += "\n## Removed (\(changes.removed.count))\n\n"
            for bot in changes.removed { md += "- \(link(BotRef(bot)))\(where_(BotRef(bot)))\n" }
        }
        if !changes.changed.isEmpty {
            md += "\n## Changed (\(changes.changed.count))\n"
            for change in changes.changed {
                var heading = link(change.bot) + where_(change.bot)
                if let previous = change.previousName { heading += " — renamed from “\(escape(previous))”" }
                md += "\n### \(heading)\n\n"
                for field in change.fields {
                    if field.isLongText, case .string(let a)? = field.before, case .string(let b)? = field.after {
                        md += "- `\(code(field.path))`:\n\n"
                        let lines = LineDiff.unified(LineDiff.lines(from: a, to: b))
                        let fence = String(repeating: "`", count: max(3, longestBacktickRun(lines) + 1))
                        md += "  \(fence)diff\n" + lines.map { "  " + $0 + "\n" }.joined() + "  \(fence)\n\n"
                    } else {
                        md += "- `\(code(field.path))`: \(value(field.before)) → \(value(field.after))\n"
                    }
                }
            }
        }
        return md
    }

    func link(_ ref: BotRef) -> String {
        let name = "**\(escape(ref.name))**"
        guard let base = baseURL, let path = botPaths[ref.key] else { return name }
        return "[\(name)](\(base)\(path))"
    }

    func where_(_ ref: BotRef) -> String {
        " (\(escape(ref.source))\(ref.organization.map { ", \(escape($0))" } ?? ""))"
    }

    func value(_ v: JSONValue?) -> String {
        guard let v else { return "*(none)*" }
        var text = v.displayText.replacingOccurrences(of: "\n", with: " ")
        if text.count > 200 { text = String(text.prefix(200)) + "…" }
        return "`\(code(text))`"
    }

    /// Backslash-escapes what Markdown would act on, so bot names cannot inject links, emphasis or
    /// HTML into the mail; the rest (`org_sales`, parentheses) stays plain for readers of the raw text.
    func escape(_ text: String) -> String {
        let chars = Array(text.replacingOccurrences(of: "\n", with: " "))
        var out = ""
        for (i, c) in chars.enumerated() {
            var special = "\\`*[]<>|&#~".contains(c)
            if c == "_" {
                // Intraword underscores never make emphasis in CommonMark.
                let before = i > 0 ? chars[i - 1] : " ", after = i + 1 < chars.count ? chars[i + 1] : " "
                special = !(before.isLetter || before.isNumber) || !(after.isLetter || after.isNumber)
            }
            if special { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// Inline code cannot contain its own delimiter: backticks become ʹ.
    func code(_ text: String) -> String { text.replacingOccurrences(of: "`", with: "ˋ") }

    func longestBacktickRun(_ lines: [String]) -> Int {
        var best = 0
        for line in lines {
            var run = 0
            for c in line { run = c == "`" ? run + 1 : 0; best = max(best, run) }
        }
        return best
    }

    // MARK: JSON

    /// `{"added": [...], "removed": [...], "changed": [...]}` plus the run's time and source states.
    public func json() -> JSONValue {
        func ref(_ r: BotRef) -> JSONValue {
            var o: [String: JSONValue] = ["id": .string(r.id), "source": .string(r.source), "name": .string(r.name), "slug": .string(r.slug),
                                          "organization": r.organization.map(JSONValue.string) ?? .null]
            if let base = baseURL, let path = botPaths[r.key] { o["url"] = .string(base + path) }
            return .object(o)
        }
        let changed = changes.changed.map { c -> JSONValue in
            guard case .object(var o) = ref(c.bot) else { return .null }
            o["fields"] = .array(c.fields.map(StateCodec.json))
            if let previous = c.previousName { o["previousName"] = .string(previous) }
            o["renamed"] = .bool(c.isRenamed)
            o["moved"] = .bool(c.isMoved)
            return .object(o)
        }
        return .object([
            "at": .string(at),
            "summary": .string(changes.summary),
            "complete": .bool(problems.isEmpty),
            "sources": .array(sources.map(StateCodec.json)),
            "added": .array(changes.added.map(ref)),
            "removed": .array(changes.removed.map { ref(BotRef($0)) }),
            "changed": .array(changed),
        ])
    }
}
