/// An organization on the unltd platform and the custom bots it owns.
public struct MockOrganization: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Bot objects (each an `.object`), served under `/organizations/:id/bots/`.
    public var bots: [MockJSON]

    /// Stamps `"organizationId": id` on every bot, as the seed's organization
    /// listing shows, so the stored data equals what the server answers.
    public init(id: String, name: String, bots: [MockJSON]) {
        self.id = id
        self.name = name
        let stamp = MockJSON.string(id)
        self.bots = bots.map { bot in
            // Skipping bots already stamped avoids copying 100,000 synthetic objects.
            guard bot["organizationId"] != stamp else { return bot }
            var stamped = bot
            stamped["organizationId"] = stamp
            return stamped
        }
    }
}

/// What `GET /gptbots/v1/bot/detail` answers for one API key.
public enum MockGPTBotsKey: Sendable, Equatable {
    /// 200 with this bot object.
    case bot(MockJSON)
    /// 200 with `{"code":20059,"message":"Bot deleted"}`, as the seed documents.
    case deleted
    /// 401 with `{"code":40127,"message":"Developer authentication failed"}`.
    case authFailed
}

/// Everything the mock serves: the unltd catalog and the GPTBots keys.
///
/// A plain value, so tests build one, hand it to `MockAPIServer`, and swap it with
/// `setWorld(_:)` to simulate the next day.
public struct MockWorld: Sendable, Equatable {
    /// The only Bearer token the unltd routes accept.
    public var unltdToken: String
    /// Served by `GET /unltd/v1/bots/`.
    public var publicBots: [MockJSON]
    /// Served by `GET /unltd/v1/organizations/:id/bots/`.
    public var organizations: [MockOrganization]
    /// GPTBots API key -> what `/gptbots/v1/bot/detail` answers for it.
    public var gptbotsKeys: [String: MockGPTBotsKey]
    /// The server clamps `limit` to this, as the real API caps page sizes.
    public var maxPageSize: Int
    /// The page size when a request has no `limit`.
    public var defaultPageSize: Int

    public init(
        unltdToken: String = "test-unltd-token",
        publicBots: [MockJSON] = [],
        organizations: [MockOrganization] = [],
        gptbotsKeys: [String: MockGPTBotsKey] = [:],
        maxPageSize: Int = 100,
        defaultPageSize: Int = 10
    ) {
        self.unltdToken = unltdToken
        self.publicBots = publicBots
        self.organizations = organizations
        self.gptbotsKeys = gptbotsKeys
        self.maxPageSize = maxPageSize
        self.defaultPageSize = defaultPageSize
    }

    /// The organization with this id, if any.
    public func organization(id: String) -> MockOrganization? {
        organizations.first { $0.id == id }
    }

    /// Every unltd bot object (public and organization), in listing order.
    public var allUnltdBots: [MockJSON] {
        publicBots + organizations.flatMap(\.bots)
    }
}
