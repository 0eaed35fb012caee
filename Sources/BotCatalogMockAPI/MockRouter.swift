import Foundation

/// The routes of the two seed APIs, under `/unltd/v1` and `/gptbots/v1`.
enum MockRoute: Equatable {
    /// `GET /unltd/v1/bots/`
    case publicBots
    /// `GET /unltd/v1/bots/:slug/`
    case publicBot(slug: String)
    /// `GET /unltd/v1/organizations/:orgId/bots/`
    case organizationBots(organizationID: String)
    /// `GET /unltd/v1/organizations/:orgId/bots/:slug/`
    case organizationBot(organizationID: String, slug: String)
    /// `GET /gptbots/v1/bot/detail`
    case gptbotsBotDetail

    init?(segments: [String]) {
        switch segments {
        case ["unltd", "v1", "bots"]:
            self = .publicBots
        case let s where s.count == 4 && s.starts(with: ["unltd", "v1", "bots"]):
            self = .publicBot(slug: s[3])
        case let s where s.count == 5 && s.starts(with: ["unltd", "v1", "organizations"]) && s[4] == "bots":
            self = .organizationBots(organizationID: s[3])
        case let s where s.count == 6 && s.starts(with: ["unltd", "v1", "organizations"]) && s[4] == "bots":
            self = .organizationBot(organizationID: s[3], slug: s[5])
        case ["gptbots", "v1", "bot", "detail"]:
            self = .gptbotsBotDetail
        default:
            return nil
        }
    }

    var requiresUnltdToken: Bool {
        self != .gptbotsBotDetail
    }
}

/// Answers a request from the world, with no faults or rate limits: pure, so the
/// server can decide every answer under its lock and tests can reason about it.
enum MockRouter {
    /// Unknown paths are 404 before anything else, known paths with another method
    /// 405, then authentication, then the route itself.
    static func response(
        method: String,
        normalizedPath: String,
        query: [String: String],
        authorization: String?,
        world: ServedWorld
    ) -> MockResponse {
        guard let route = MockRoute(segments: MockPath.segments(normalizedPath)) else {
            return .notFound
        }
        guard method == "GET" else { return .methodNotAllowed }
        let token = bearerToken(authorization)
        if route.requiresUnltdToken, token != world.world.unltdToken {
            return .unauthenticated
        }

        switch route {
        case .publicBots:
            return .json(MockPagination.page(of: world.world.publicBots, query: query, world: world.world))

        case .publicBot(let slug):
            guard let bot = world.publicBot(slug: slug) else {
                return .error(status: 404, message: "Bot not found")
            }
            return .json(bot)

        case .organizationBots(let organizationID):
            guard let organization = world.organization(id: organizationID) else {
                return .error(status: 404, message: "Organization not found")
            }
            let page = MockPagination.page(of: organization.bots, query: query, world: world.world) { bot in
                // `MockOrganization.init` stamps the id, but `bots` is settable.
                guard bot["organizationId"] == nil else { return bot }
                var stamped = bot
                stamped["organizationId"] = .string(organizationID)
                return stamped
            }
            return .json(page)

        case .organizationBot(let organizationID, let slug):
            guard world.organization(id: organizationID) != nil else {
                return .error(status: 404, message: "Organization not found")
            }
            guard let (organization, bot) = world.organizationBot(organizationID: organizationID, slug: slug) else {
                return .error(status: 404, message: "Bot not found")
            }
            // The seed wraps a single organization bot, unlike a single public bot.
            return .json([
                "bot": bot,
                "organization": ["id": .string(organization.id), "name": .string(organization.name)],
            ])

        case .gptbotsBotDetail:
            switch token.flatMap({ world.world.gptbotsKeys[$0] }) {
            case .bot(let bot): return .json(bot)
            case .deleted: return .botDeleted
            case .authFailed, nil: return .developerAuthenticationFailed
            }
        }
    }

    /// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
