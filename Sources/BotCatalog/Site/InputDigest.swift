/// One print of everything a site is rendered from except the time of the check: the templates,
/// the title and base URL, every bot as pages show it, the sources' states and the history.
/// A run whose digest equals the last build's has nothing new to show but "last checked", so
/// the build only refreshes the changelog (`SiteBuilder.quickUpdate`).
///
/// What no page shows is left out, as in the page fingerprints: a current bot's `lastSeen`, and
/// the snapshot's time unless a bot is stale (its banner quotes the check).
struct InputDigest: Sendable, Equatable {
    /// Each snapshot entry's data (snapshot order): the per-bot part page fingerprints build on.
    let bots: [UInt64]
    let value: String

    init(_ input: SiteInput, templateHash: String) {
        // In parallel: each bot's print walks all its data.
        bots = input.snapshot.entries.parallelMap { entry -> UInt64 in
            var f = Fingerprint()
            let bot = entry.bot
            f.add(bot.source); f.add(bot.platform.rawValue); f.add(bot.id); f.add(bot.name); f.add(bot.slug); f.add(bot.scope)
            f.add(bot.organization ?? "-"); f.add(bot.organizationName ?? "-")
            f.add(.object(bot.fields))
            f.add(entry.stale ? "stale:\(entry.lastSeen)" : "current")
            f.add(entry.firstSeen); f.add(entry.lastChanged)
            return f.value
        }
        var f = Fingerprint()
        f.add("botcatalog-input-v1")
        f.add(templateHash)
        f.add(input.title)
        f.add(input.baseURL ?? "-")
        for print in bots { f.add(print) }
        if input.snapshot.entries.contains(where: \.stale) { f.add(input.snapshot.takenAt) }
        for source in input.snapshot.sources {
            f.add(source.name); f.add(source.platform.rawValue); f.add(source.state.rawValue)
            for problem in source.problems { f.add(problem) }
            f.add("end of source")
        }
        // The history as it is stored: everything it holds, in its order.
        let runs = input.history.parallelMap { entry -> UInt64 in
            var f = Fingerprint()
            f.add(StateCodec.json(entry))
            return f.value
        }
        for run in runs { f.add(run) }
        value = f.hex
    }
}
