/// A `MockWorld` with slug and id indexes, so single-bot lookups stay O(1) when a
/// benchmark fetches every bot of a 100,000-bot synthetic catalog.
struct ServedWorld: Sendable {
    let world: MockWorld
    private let publicBotsBySlug: [String: Int]
    private let organizationsByID: [String: Int]
    private let organizationBotsBySlug: [[String: Int]]

    init(_ world: MockWorld) {
        self.world = world
        publicBotsBySlug = Self.slugIndex(world.publicBots)
        // A duplicated id or slug resolves to the first entry, as a database's
        // `findOne` would.
        organizationsByID = Dictionary(
            world.organizations.enumerated().map { ($0.element.id, $0.offset) },
            uniquingKeysWith: { first, _ in first }
        )
        organizationBotsBySlug = world.organizations.map { Self.slugIndex($0.bots) }
    }

    func publicBot(slug: String) -> MockJSON? {
        publicBotsBySlug[slug].map { world.publicBots[$0] }
    }

    func organization(id: String) -> MockOrganization? {
        organizationsByID[id].map { world.organizations[$0] }
    }

    func organizationBot(organizationID: String, slug: String) -> (MockOrganization, MockJSON)? {
        guard let orgIndex = organizationsByID[organizationID],
            let botIndex = organizationBotsBySlug[orgIndex][slug]
        else { return nil }
        let organization = world.organizations[orgIndex]
        return (organization, organization.bots[botIndex])
    }

    private static func slugIndex(_ bots: [MockJSON]) -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(bots.count)
        for (offset, bot) in bots.enumerated() {
            guard let slug = bot["slug"]?.stringValue, index[slug] == nil else { continue }
            index[slug] = offset
        }
        return index
    }
}
