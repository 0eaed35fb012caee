import Testing

@testable import BotCatalog

/// The configuration file: the README's example is accepted as written, and every mistake
/// is one clear error naming the key and the fix.
@Suite("Configuration")
struct ConfigLoaderTests {
    static let example = """
        title: Acme bot catalog
        output: site
        state: .botcatalog
        baseURL: https://docs.example.com/bots/
        sources:
          - name: unltd
            platform: unltd
            url: https://api.unltd.ai/v1
            tokenEnv: UNLTD_TOKEN
            public: true
            organizations: [org_a, org_b]
            pageSize: 100
            rateLimit: 60/min
          - name: gptbots
            platform: gptbots
            url: https://api.gptbots.ai/v1
            keysEnv: [GPTBOTS_KEY_SUPPORT, GPTBOTS_KEY_SALES]
            rateLimit: 3/min
        """

    func parse(_ yaml: String) throws(ConfigError) -> CatalogConfig {
        try ConfigLoader().parse(yaml, file: "botcatalog.yml", relativeTo: "/work/project")
    }

    @Test("the README's example is read as written, paths resolved against the config's folder")
    func example() throws {
        let config = try parse(Self.example)
        #expect(config.title == "Acme bot catalog")
        #expect(config.output == "/work/project/site")
        #expect(config.state == "/work/project/.botcatalog")
        #expect(config.baseURL == "https://docs.example.com/bots/")
        #expect(config.sources.map(\.name) == ["unltd", "gptbots"])
        let unltd = config.sources[0]
        #expect(unltd.platform == .unltd && unltd.includePublic && unltd.organizations == ["org_a", "org_b"] && unltd.pageSize == 100)
        #expect(unltd.rateLimit == RateLimit(requests: 60, perSeconds: 60))
        #expect(config.sources[1].keysEnv == ["GPTBOTS_KEY_SUPPORT", "GPTBOTS_KEY_SALES"])
        #expect(config.sources[1].rateLimit?.interval == 20)
    }

    @Test("organizations may carry display names")
    func organizationNames() throws {
        let config = try parse(Self.example.replacingOccurrences(of: "[org_a, org_b]", with: "[org_a, {id: org_b, name: Sales team}]"))
        #expect(config.sources[0].organizations == ["org_a", "org_b"])
        #expect(config.sources[0].organizationNames == ["org_b": "Sales team"])
        #expect(throws: ConfigError.self) { try parse(Self.example.replacingOccurrences(of: "[org_a, org_b]", with: "[{name: x}]")) }
    }

    @Test("rates", arguments: [("3/min", 3, 60.0), ("60/min", 60, 60), ("10/s", 10, 1), ("100/h", 100, 3600), ("5 / sec", 5, 1)])
    func rates(text: String, requests: Int, per: Double) {
        #expect(RateLimit(parsing: text) == RateLimit(requests: requests, perSeconds: per))
    }

    static let mistakes: [(String, String, String, String)] = [
        ("not YAML", "title: [unclosed", "", "is not valid YAML"),
        ("unknown top key with suggestion", "titel: x\nsources: []", "titel", "did you mean \"title\""),
        ("unknown source key with suggestion", Self.example.replacingOccurrences(of: "tokenEnv:", with: "tokenenv:"), "sources[0].tokenenv", "did you mean \"tokenEnv\""),
        ("no sources", "title: x", "sources", "is missing"),
        ("empty sources", "sources: []", "sources", "non-empty list"),
        ("duplicate source names", Self.example.replacingOccurrences(of: "name: gptbots", with: "name: unltd"), "sources[1].name", "must be unique"),
        ("bad rate", Self.example.replacingOccurrences(of: "60/min", with: "60 per minute"), "sources[0].rateLimit", "write N/s, N/min or N/h"),
        ("bad platform", Self.example.replacingOccurrences(of: "platform: gptbots", with: "platform: openai"), "sources[1].platform", "unltd or gptbots"),
        ("bad url", Self.example.replacingOccurrences(of: "https://api.unltd.ai/v1", with: "api.unltd.ai"), "sources[0].url", "not an http(s) URL"),
        ("missing tokenEnv", Self.example.replacingOccurrences(of: "    tokenEnv: UNLTD_TOKEN\n", with: ""), "sources[0].tokenEnv", "name the environment variable"),
        ("keysEnv on unltd", Self.example.replacingOccurrences(of: "    tokenEnv: UNLTD_TOKEN\n", with: "    tokenEnv: UNLTD_TOKEN\n    keysEnv: [X]\n"), "sources[0].keysEnv", "belongs to gptbots"),
        ("nothing to fetch", Self.example.replacingOccurrences(of: "    public: true\n", with: "").replacingOccurrences(of: "[org_a, org_b]", with: "[]"), "sources[0].organizations", "nothing would be fetched"),
        ("pageSize not a number", Self.example.replacingOccurrences(of: "pageSize: 100", with: "pageSize: many"), "sources[0].pageSize", "whole number"),
        ("state equals output", "output: x\nstate: x\nsources: []", "state", "must differ from `output`"),
        ("name with a slash", Self.example.replacingOccurrences(of: "name: gptbots", with: "name: ../gpt"), "sources[1].name", "may use only letters"),
        ("bad baseURL", "baseURL: docs\nsources: []", "baseURL", "not an http(s) URL"),
        ("list where a value belongs", "title: [a, b]\nsources: []", "title", "single value"),
    ]

    @Test("every mistake names the key and the fix", arguments: mistakes)
    func mistake(_ mistake: (String, String, String, String)) {
        let (_, yaml, key, reason) = mistake
        do {
            _ = try parse(yaml)
            Issue.record("accepted a bad config")
        } catch {
            #expect(error.key == key)
            #expect(error.reason.contains(reason), "\(error.description)")
            #expect(error.description.hasPrefix("botcatalog.yml: "))
        }
    }

    @Test("secrets come from the environment; a missing one names the variable and the key")
    func credentials() throws {
        let config = try parse(Self.example)
        let env = ["UNLTD_TOKEN": "tok-123", "GPTBOTS_KEY_SUPPORT": "k1", "GPTBOTS_KEY_SALES": " k2 \n"]
        let credentials = try Credentials.resolve(config, file: "botcatalog.yml", environment: env)
        #expect(credentials.tokens["unltd"]?.value == "tok-123")
        #expect(credentials.keys["gptbots"]?.map(\.value) == ["k1", "k2"])
        // A secret's description never shows the value.
        #expect("\(credentials.tokens["unltd"]!)" == "$UNLTD_TOKEN")

        var missing = env
        missing["GPTBOTS_KEY_SALES"] = nil
        #expect(throws: ConfigError(file: "botcatalog.yml", key: "sources[1].keysEnv",
                                    reason: "environment variable GPTBOTS_KEY_SALES is not set; export it with that bot's GPTBots API key")) {
            try Credentials.resolve(config, file: "botcatalog.yml", environment: missing)
        }
    }

    @Test("a config file that cannot be read says so")
    func unreadable() {
        #expect(throws: ConfigError.self) { try ConfigLoader().load(path: "/nonexistent/botcatalog.yml") }
    }
}
