/// Fetches an unltd source: the public list (when `public: true`) and every organization's
/// list, all pages of each, concurrently within the source's rate limit.
struct UnltdFetcher: Sendable {
    let client: APIClient
    let token: Secret
    let progress: SourceProgress

    var source: SourceConfig { client.source }

    func fetch() async -> (bots: [Bot], problems: [FetchError], listings: Int) {
        var listings: [(path: String, scope: String, label: String, org: String?)] = []
        if source.includePublic { listings.append(("/bots/", "public", "public list", nil)) }
        for org in source.organizations {
            listings.append(("/organizations/\(APIClient.percentEncode(org))/bots/", "org:\(org)", "organization \(org)", org))
        }
        let outcomes = await withTaskGroup(of: (Int, ListingOutcome).self) { group in
            for (i, listing) in listings.enumerated() {
                group.addTask { (i, await self.listing(path: listing.path, scope: listing.scope, label: listing.label, org: listing.org)) }
            }
            var results = [ListingOutcome?](repeating: nil, count: listings.count)
            for await (i, outcome) in group { results[i] = outcome }
            return results.compactMap { $0 }
        }
        // A bot in both the public list and an organization is one bot: the organization's copy wins.
        var byID: [String: Bot] = [:]
        for outcome in outcomes {
            for bot in outcome.bots {
                if let existing = byID[bot.id], existing.organization != nil, bot.organization == nil { continue }
                byID[bot.id] = bot
            }
        }
        let bots = byID.values.sorted { $0.id < $1.id }
        return (bots, outcomes.compactMap(\.problem), listings.count)
    }

    /// One listing, all pages. If the pages do not add up to `totalResults` (the list shifted
    /// while paging), the listing is read once more; if it still does not add up it is incomplete.
    func listing(path: String, scope: String, label: String, org: String?) async -> ListingOutcome {
        var lastProblem = FetchError(kind: .incomplete, source: source.name, scope: label, reason: "")
        var lastBots: [Bot] = []
        for round in 1...2 {
            do {
                let first = try await page(path, number: 1, limit: source.pageSize, label: label)
                // The server may clamp `limit`: later pages follow what it returned.
                let limit = first.limit
                let expectedPages = first.totalResults == 0 ? 0 : (first.totalResults + limit - 1) / limit
                let totalPages = min(max(first.totalPages, 1), expectedPages + 1, 100_000)
                await progress.expect(pages: totalPages)
                await progress.pageDone(bots: first.results.count)
                var pages = [first]
                if totalPages > 1 {
                    try await withThrowingTaskGroup(of: BotDecoder.Page.self) { group in
                        for number in 2...totalPages {
                            group.addTask {
                                let p = try await self.page(path, number: number, limit: limit, label: label)
                                await self.progress.pageDone(bots: p.results.count)
                                return p
                            }
                        }
                        for try await p in group { pages.append(p) }
                    }
                }
                pages.sort { $0.page < $1.page }
                var byID: [String: Bot] = [:]
                var undecodable: [String] = []
                for p in pages {
                    for (n, item) in p.results.enumerated() {
                        do {
                            var bot = try BotDecoder.unltdBot(item, source: source.name, scope: scope, organization: org, prints: p.resultPrints[n])
                            if bot.organizationName == nil, let id = bot.organization { bot.organizationName = source.organizationNames[id] }
                            byID[bot.id] = bot
                        } catch {
                            undecodable.append("page \(p.page) results[\(n)]: \(error.reason)")
                        }
                    }
                }
                let bots = byID.values.sorted { $0.id < $1.id }
                if !undecodable.isEmpty {
                    return .incomplete(bots, FetchError(kind: .invalidResponse, source: source.name, scope: label,
                                                        reason: "\(undecodable.count) bot(s) could not be read (\(undecodable[0])); they are carried over"))
                }
                let totals = Set(pages.map(\.totalResults))
                if totals.count == 1, bots.count == first.totalResults {
                    return .complete(bots)
                }
                lastBots = bots
                lastProblem.reason = "the list changed while paging (\(bots.count) unique bots, server said \(totals.sorted().map(String.init).joined(separator: " then ")))"
                    + (round == 2 ? " twice; its missing bots are carried over, try again later" : "")
            } catch let error as FetchError {
                return .failed(error)
            } catch {
                return .failed(FetchError(kind: .other, source: source.name, scope: label, reason: "\(error)"))
            }
        }
        return .incomplete(lastBots, lastProblem)
    }

    func page(_ path: String, number: Int, limit: Int, label: String) async throws -> BotDecoder.Page {
        let url = client.url(path, query: [("page", String(number)), ("limit", String(limit))])
        do {
            let response = try await client.getJSON(url, secret: token, scope: label)
            do {
                return try BotDecoder.page(response.json, prints: response.prints)
            } catch {
                throw FetchError(kind: .invalidResponse, source: source.name, scope: label, reason: "page \(number): \(error.reason)")
            }
        } catch let error as APIClient.HTTPStatusError {
            throw explain(error, label: label, isOrganization: path.hasPrefix("/organizations/"))
        }
    }

    func explain(_ error: APIClient.HTTPStatusError, label: String, isOrganization: Bool) -> FetchError {
        let message = BotDecoder.sanitize(error.json?["message"]?.stringValue ?? "")
        let said = message.isEmpty ? "HTTP \(error.status)" : "HTTP \(error.status): \(message)"
        switch error.status {
        case 401:
            return FetchError(kind: .authentication, source: source.name, scope: label,
                              reason: "the token was rejected (\(said)); put a current token in \(token.variable)")
        case 403:
            return FetchError(kind: .forbidden, source: source.name, scope: label,
                              reason: isOrganization
                                ? "access denied (\(said)); the token's user must be a member of this organization, or use an organization token"
                                : "access denied (\(said)); check the token's permissions")
        case 404:
            return FetchError(kind: .notFound, source: source.name, scope: label,
                              reason: isOrganization
                                ? "not found (\(said)); check the organization id in `organizations`"
                                : "not found (\(said)); check `url`, it should end with the API version, e.g. /v1")
        case 300..<400:
            return FetchError(kind: .other, source: source.name, scope: label,
                              reason: "the server redirected (\(said)); point `url` at the final address")
        default:
            return FetchError(kind: .other, source: source.name, scope: label, reason: "\(said)")
        }
    }
}
