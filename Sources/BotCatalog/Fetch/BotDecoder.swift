/// Turns API JSON into `Bot`s, tolerating the seeds' quirks: `{bot, organization}`
/// wrapping, `tags` as string or array, ids as numbers, unknown and missing optional fields.
/// Pure: the fuzz tests throw random bytes at it.
public enum BotDecoder {
    /// One page of an unltd list: `{results, page, limit, totalPages, totalResults}`.
    public struct Page: Sendable, Equatable {
        public var results: [JSONValue]
        public var page: Int
        public var limit: Int
        public var totalPages: Int
        public var totalResults: Int
        /// The prints laid out for `results` (`resultPrints[n]`: the n-th result's), when the page
        /// was read with them; empty otherwise.
        public var resultPrints = JSONPrints()
    }

    public struct Problem: Error, Equatable, Sendable {
        public var reason: String
    }

    /// `prints`: what `JSONReader.readPrinted` laid out for the page, if it read it.
    public static func page(_ json: JSONValue, prints: JSONPrints? = nil) throws(Problem) -> Page {
        guard case .object(let o) = json else { throw Problem(reason: "a list page must be a JSON object with `results`") }
        guard case .array(let results)? = o["results"] else { throw Problem(reason: "the list page has no `results` array") }
        func number(_ key: String) -> Int? {
            switch o[key] {
            case .string(let s)?: return Int(s)
            case let v?: return v.intValue
            case nil: return nil
            }
        }
        guard let totalResults = number("totalResults"), totalResults >= 0 else {
            throw Problem(reason: "the list page has no valid `totalResults`")
        }
        let limit = max(1, number("limit") ?? max(results.count, 1))
        let page = number("page") ?? 1
        let totalPages = max(0, number("totalPages") ?? (totalResults + limit - 1) / limit)
        return Page(results: results, page: page, limit: limit, totalPages: totalPages, totalResults: totalResults,
                    resultPrints: prints?["results"] ?? JSONPrints())
    }

    /// An unltd bot, bare or wrapped as `{bot, organization}`. `organization` is the org the
    /// listing was for; the bot's own `organizationId` or wrapper wins when present. `prints`:
    /// those `JSONReader.readPrinted` made of `json`, which give the bot its fields' print.
    public static func unltdBot(_ json: JSONValue, source: String, scope: String, organization: String?,
                                prints: JSONPrints? = nil) throws(Problem) -> Bot {
        guard case .object(var fields) = json else { throw Problem(reason: "a bot must be a JSON object") }
        var fieldsPrint = prints?.object
        var orgID = organization
        var orgName: String?
        if case .object(let inner)? = fields["bot"], fields["id"] == nil {
            if case .object(let org)? = fields["organization"] {
                orgID = org["id"]?.stringValue ?? orgID
                orgName = org["name"]?.stringValue
            }
            fields = inner
            fieldsPrint = prints?["bot"]?.object
        }
        if let own = fields["organizationId"]?.stringValue, !own.isEmpty { orgID = own }
        guard let id = nonEmpty(fields["id"]?.stringValue ?? fields["_id"]?.stringValue) else {
            throw Problem(reason: "a bot has no `id`")
        }
        let slug = nonEmpty(fields["slug"]?.stringValue) ?? id
        let name = nonEmpty(fields["name"]?.stringValue) ?? slug
        var bot = Bot(source: source, platform: .unltd, id: id, name: name, slug: slug,
                      organization: orgID, organizationName: orgName, scope: scope, fields: fields)
        bot.fieldsPrint = fieldsPrint
        return bot
    }

    /// What `/bot/detail` answered for one key.
    public enum Detail: Sendable, Equatable {
        case bot(Bot)
        /// `{"code": 20059}`: the bot was deleted upstream.
        case deleted
        /// `{"code": 40127}`: the key was rejected.
        case authenticationFailed(message: String)
        case error(code: Int, message: String)
    }

    public static func gptbotsDetail(_ json: JSONValue, source: String, scope: String, prints: JSONPrints? = nil) throws(Problem) -> Detail {
        guard case .object(let fields) = json else { throw Problem(reason: "the bot detail must be a JSON object") }
        if fields["bot_id"] == nil, let code = fields["code"]?.intValue {
            let message = sanitize(fields["message"]?.stringValue ?? "")
            switch code {
            case 20059: return .deleted
            case 40127: return .authenticationFailed(message: message)
            default: return .error(code: code, message: message)
            }
        }
        guard let id = nonEmpty(fields["bot_id"]?.stringValue ?? fields["id"]?.stringValue) else {
            throw Problem(reason: "the bot detail has no `bot_id`")
        }
        let name = nonEmpty(fields["name"]?.stringValue) ?? id
        var bot = Bot(source: source, platform: .gptbots, id: id, name: name, slug: slugify(name, fallback: id),
                      organization: nil, organizationName: nil, scope: scope, fields: fields)
        bot.fieldsPrint = prints?.object
        return .bot(bot)
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, s.hasVisibleText else { return nil }
        return s
    }

    /// A readable slug for platforms that have none (GPTBots).
    static func slugify(_ name: String, fallback: String) -> String {
        var out = ""
        var dash = false
        for scalar in name.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                out.unicodeScalars.append(scalar)
                dash = false
            } else if !dash && !out.isEmpty {
                out += "-"
                dash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? fallback : String(out.prefix(60))
    }

    /// A server's error message, shortened and stripped of control characters for one log line.
    static func sanitize(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) && !(0x202A...0x202E).contains($0.value) && !(0x2066...0x2069).contains($0.value) }))
        return cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned
    }
}
