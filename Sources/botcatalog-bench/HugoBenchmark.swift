import BotCatalog
import Foundation

/// Hugo building the same pages: one Markdown file per bot with tag and organization taxonomies.
struct HugoBenchmark {
    let bots: Int
    let folder: String

    func run() throws -> (seconds: Double, cpuSeconds: Double, peakMB: Double)? {
        guard let hugo = Measure.which("hugo") else { return nil }
        let site = "\(folder)/hugo"
        Measure.setAside([site])
        let content = "\(site)/content/bots"
        let layouts = "\(site)/layouts/_default"
        try FileManager.default.createDirectory(atPath: content, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: layouts, withIntermediateDirectories: true)
        try """
            baseURL = "https://docs.example.com/bots/"
            title = "Bench"
            disableKinds = ["RSS"]
            [taxonomies]
              tag = "tags"
              organization = "organizations"
            """.write(toFile: "\(site)/config.toml", atomically: true, encoding: .utf8)
        let page = "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>"
        try page.replacingOccurrences(of: "{{ block \"main\" . }}{{ end }}", with: "<main>{{ .Content }}</main>").write(toFile: "\(layouts)/single.html", atomically: true, encoding: .utf8)
        try page.replacingOccurrences(of: "{{ block \"main\" . }}{{ end }}", with: "<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>").write(toFile: "\(layouts)/list.html", atomically: true, encoding: .utf8)
        let snapshot = SyntheticCatalog.snapshot(bots: bots, at: SyntheticCatalog.day1)
        for (i, entry) in snapshot.entries.enumerated() {
            let bot = entry.bot
            let tags = bot.tags.map { "\"\($0)\"" }.joined(separator: ", ")
            let front = "---\ntitle: \"\(bot.name)\"\ntags: [\(tags)]\norganizations: [\"\(bot.organization ?? "none")\"]\n---\n\n"
            try (front + SyntheticCatalog.markdown(bot)).write(toFile: "\(content)/\(i).md", atomically: false, encoding: .utf8)
        }
        let result = try Measure.command(hugo, ["--quiet", "--source", site, "--destination", "\(site)/public"])
        guard result.status == 0 else { return nil }
        return (result.seconds, result.cpuSeconds, result.peakMB)
    }
}
