extension MockWorld {
    /// A large deterministic catalog for benchmarks and load tests.
    ///
    /// - `bots` organization bots spread round-robin over `organizations` organizations
    ///   (`org_0001`...); with `organizations == 0` one organization is still made so
    ///   the bots have a home.
    /// - `publicBots` further bots in the public catalog, distinct from the organization ones.
    /// - `gptbotsKeys` keys `synthetic-gptbots-key-0001`... each answering a bot.
    /// - `changedFraction` > 0 gives the "next day": the same catalog with that fraction
    ///   of the unltd bots (chosen by `seed`) changed in description, model or tags,
    ///   keeping id, name and slug.
    ///
    /// Names look like "Invoice Helper 0042" and slugs like `invoice_helper_0042`, unique
    /// by the trailing number. Descriptions are 5-6 Markdown blocks (paragraphs, a list, a link, emphasis and
    /// inline code) of about 0.9-1.5 KB.
    /// The same arguments always give the same world; the unltd token is `synthetic-unltd-token`.
    public static func synthetic(
        bots: Int,
        organizations: Int,
        publicBots: Int = 0,
        gptbotsKeys: Int = 0,
        seed: UInt64 = 1,
        changedFraction: Double = 0
    ) -> MockWorld {
        func organizationID(_ index: Int) -> String {
            "org_" + SyntheticBotGenerator.padded(index + 1, width: 4)
        }
        var generator = SyntheticBotGenerator(seed: seed, total: max(bots, 0) + max(publicBots, 0))

        let organizationCount = bots > 0 ? max(organizations, 1) : max(organizations, 0)
        var organizationBots = Array(repeating: [MockJSON](), count: organizationCount)
        for index in 0..<max(bots, 0) {
            let organization = index % organizationCount
            organizationBots[organization].append(
                generator.bot(number: index + 1, organizationID: organizationID(organization)))
        }
        var publicCatalog = (0..<max(publicBots, 0)).map { generator.bot(number: max(bots, 0) + $0 + 1) }

        if changedFraction > 0 {
            // A separate generator, so the base catalog is identical with or without changes.
            var changer = SyntheticBotGenerator(seed: seed ^ 0xC4A1_6ED0_0000_0001, total: 0)
            let total = max(bots, 0) + publicCatalog.count
            let changeCount = min(total, Int((Double(total) * min(changedFraction, 1)).rounded()))
            for position in changer.distinctPositions(count: changeCount, among: total) {
                if position < bots {
                    let org = position % organizationCount
                    let slot = position / organizationCount
                    changer.change(&organizationBots[org][slot])
                } else {
                    changer.change(&publicCatalog[position - bots])
                }
            }
        }

        let orgs = (0..<organizationCount).map { index in
            let department = SyntheticBotGenerator.departments[index % SyntheticBotGenerator.departments.count]
            return MockOrganization(
                id: organizationID(index),
                name: "\(department) \(SyntheticBotGenerator.padded(index + 1, width: 4))",
                bots: organizationBots[index]
            )
        }

        var keys: [String: MockGPTBotsKey] = [:]
        for index in 0..<max(gptbotsKeys, 0) {
            let number = SyntheticBotGenerator.padded(index + 1, width: 4)
            keys["synthetic-gptbots-key-\(number)"] = .bot(generator.gptbotsBot(number: number))
        }

        return MockWorld(
            unltdToken: "synthetic-unltd-token",
            publicBots: publicCatalog,
            organizations: orgs,
            gptbotsKeys: keys
        )
    }
}

/// Builds plausible bots from word lists and a seeded generator.
private struct SyntheticBotGenerator {
    private var random: SplitMix64
    private let numberWidth: Int

    init(seed: UInt64, total: Int) {
        random = SplitMix64(seed: seed)
        numberWidth = max(4, String(total).count)
    }

    static func padded(_ number: Int, width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    mutating func bot(number: Int, organizationID: String? = nil) -> MockJSON {
        let subject = random.pick(Self.subjects)
        let role = random.pick(Self.roles)
        let paddedNumber = Self.padded(number, width: numberWidth)
        let name = "\(subject) \(role) \(paddedNumber)"
        let slug = "\(subject)_\(role)_\(paddedNumber)".lowercased()
        let inputCount = random.nextInt(below: 4)
        let inputs: [MockJSON] = (0..<inputCount).map { index in
            [
                "name": .string(Self.inputNames[(index * 7 + number) % Self.inputNames.count]),
                "type": .string(random.pick(Self.inputTypes)),
                "required": .bool(index == 0),
            ]
        }
        var bot: MockJSON = [
            "id": .string(random.objectID()),
            "name": .string(name),
            "slug": .string(slug),
            "applyToApi": .bool(random.nextInt(below: 10) != 0),
            "creditCost": .int(5 * (1 + random.nextInt(below: 40))),
            "modelKey": .string(random.pick(Self.models)),
            "inputs": .array(inputs),
            "tags": tags(),
            "description": .string(description(name: name, subject: subject, role: role)),
        ]
        if let organizationID { bot["organizationId"] = .string(organizationID) }
        return bot
    }

    mutating func gptbotsBot(number: String) -> MockJSON {
        let subject = random.pick(Self.subjects)
        return [
            "bot_id": .string(random.objectID()),
            "name": .string("\(subject) Assistant \(number)"),
            "logo": "https://res.theengagelab.com/ailab/images/default_avatar.png",
            "bot_type": .string(random.nextInt(below: 2) == 0 ? "QuestionAnswer" : "Flow"),
            "welcome_message": .string("Hello! I can help with \(subject.lowercased()) questions."),
            "introduction": .string("Answers questions about \(subject.lowercased()) from the team's documents."),
            "tags": tags(),
            "identity_prompt": .string(
                "You are the \(subject.lowercased()) assistant.\nAnswer from the documents only.\nBe brief."),
            "ai_model": "ChatGPT",
            "ai_model_version": .string(random.pick(["3.5", "4.0", "4o"])),
            "creativity_level": .double(Double(random.nextInt(below: 11)) / 10),
            "doc_correlation": .double(Double(random.nextInt(below: 11)) / 10),
            "irrelevant_questions": .bool(random.nextInt(below: 2) == 0),
            "question_limit": .int(100 * (1 + random.nextInt(below: 5))),
            "long_term_memory": .bool(random.nextInt(below: 2) == 0),
        ]
    }

    /// Changes one aspect of a bot, as a day's edits would: description, model or tags.
    mutating func change(_ bot: inout MockJSON) {
        switch random.nextInt(below: 3) {
        case 0:
            let description = bot["description"]?.stringValue ?? ""
            bot["description"] = .string(description + "\n\n_Updated:_ " + random.pick(Self.sentences))
        case 1:
            let current = bot["modelKey"]?.stringValue
            let next = ((Self.models.firstIndex { $0 == current } ?? -1) + 1) % Self.models.count
            bot["modelKey"] = .string(Self.models[next])
        default:
            // Toggle a tag, never leaving the bot without one.
            var tags = bot["tags"]?.arrayValue ?? []
            let tag = MockJSON.string(random.pick(Self.tagPool))
            if let index = tags.firstIndex(of: tag), tags.count > 1 {
                tags.remove(at: index)
            } else if !tags.contains(tag) {
                tags.append(tag)
            } else {
                tags.append(.string(Self.tagPool.first { !tags.contains(.string($0)) } ?? "internal"))
            }
            bot["tags"] = .array(tags)
        }
    }

    /// `count` distinct positions in `0..<total`, by a partial Fisher-Yates shuffle.
    mutating func distinctPositions(count: Int, among total: Int) -> [Int] {
        var positions = Array(0..<total)
        for index in 0..<count {
            positions.swapAt(index, index + random.nextInt(below: total - index))
        }
        return Array(positions.prefix(count))
    }

    private mutating func tags() -> MockJSON {
        var chosen: [MockJSON] = []
        for _ in 0..<(1 + random.nextInt(below: 4)) {
            let tag = MockJSON.string(random.pick(Self.tagPool))
            if !chosen.contains(tag) { chosen.append(tag) }
        }
        return .array(chosen)
    }

    /// 5-6 blocks: an introduction, a list, 2-3 paragraphs of detail, a closing line
    /// with inline code and a link. No sentence or bullet repeats within a description.
    private mutating func description(name: String, subject: String, role: String) -> String {
        let topic = subject.lowercased()
        let detailCount = 2 + random.nextInt(below: 2)
        var sentences = distinct(3 + 4 * detailCount, from: Self.sentences)[...]
        func take(_ count: Int) -> String {
            defer { sentences = sentences.dropFirst(count) }
            return sentences.prefix(count).joined(separator: " ")
        }

        let article = role.first.map { "AEIOU".contains($0) } == true ? "an" : "a"
        var blocks = ["**\(name)** is \(article) \(role.lowercased()) for \(topic) work. " + take(3)]
        let bullets = distinct(3 + random.nextInt(below: 3), from: Self.bullets)
        blocks.append("What it does:\n\n" + bullets.map { "- " + $0 }.joined(separator: "\n"))
        for _ in 0..<detailCount {
            blocks.append(take(3 + random.nextInt(below: 2)))
        }
        blocks.append(
            "Configure it with `\(random.pick(Self.inputNames))` and read the "
                + "[\(topic) guide](https://docs.example.com/\(topic)/\(role.lowercased())) "
                + "for *examples* and limits.")
        return blocks.joined(separator: "\n\n")
    }

    /// `count` different elements in random order (all of them if there are fewer).
    private mutating func distinct<T>(_ count: Int, from elements: [T]) -> [T] {
        var pool = elements
        let count = min(count, pool.count)
        for index in 0..<count {
            pool.swapAt(index, index + random.nextInt(below: pool.count - index))
        }
        return Array(pool.prefix(count))
    }

    // MARK: Word lists

    static let subjects = [
        "Invoice", "Contract", "Onboarding", "Ticket", "Release", "Incident", "Expense", "Recruiting", "Meeting",
        "Newsletter", "Forecast", "Inventory", "Compliance", "Translation", "Research", "Pricing", "Survey", "Payroll",
        "Roadmap", "Feedback", "Marketing", "Security", "Legal", "Travel",
    ]
    static let roles = [
        "Helper", "Assistant", "Summarizer", "Reviewer", "Writer", "Planner", "Checker", "Analyst", "Explainer",
        "Tracker",
    ]
    static let models = [
        "textCompletion", "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "claude-3-5-haiku", "gemini-1.5-pro",
        "llama-3.1-70b", "mistral-large",
    ]
    static let tagPool = [
        "finance", "legal", "hr", "sales", "support", "marketing", "engineering", "research", "writing", "summaries",
        "analytics", "compliance", "security", "operations", "product", "design", "education", "travel", "health",
        "retail", "logistics", "email", "meetings", "planning", "translation", "data", "reporting", "onboarding",
        "recruiting", "payroll", "contracts", "pricing", "surveys", "quality", "automation", "crm", "devops",
        "documentation", "customer success", "internal",
    ]
    static let inputTypes = ["text", "textarea", "number", "select", "url", "date"]
    static let inputNames = [
        "question", "document", "language", "tone", "audience", "deadline", "account", "region", "format", "notes",
        "url", "budget",
    ]
    static let departments = [
        "Finance", "Legal", "People", "Sales", "Support", "Marketing", "Engineering", "Research", "Operations",
        "Product",
    ]
    static let sentences = [
        "It reads the input carefully and asks a follow-up question when something is ambiguous.",
        "Answers are short by default, with details available on request.",
        "It never stores personal data beyond the current conversation.",
        "Teams use it to save an hour a week on routine paperwork.",
        "Output follows the house style, including headings and numbered lists.",
        "Numbers are always given with their units and the date they were valid.",
        "When the source documents disagree, it shows both versions side by side.",
        "It flags anything that looks like a legal commitment for human review.",
        "Results can be exported to a spreadsheet or pasted into an email.",
        "The model was tuned on anonymised examples from the last two years.",
        "It supports English, German, French and Spanish input.",
        "Long inputs are split into sections and summarized one by one.",
        "Every answer ends with the list of documents it relied on, newest first.",
        "If a request is outside its scope, it says so and suggests who to ask instead.",
        "Drafts are marked as drafts until a person approves them.",
        "It keeps track of open questions and reminds you of them at the end.",
        "Dates are written in ISO 8601 so they sort correctly in any tool.",
        "The first run takes a little longer while it reads the team's templates.",
        "It prefers plain words over jargon and explains acronyms the first time.",
        "Confidential documents are never used to answer questions from other teams.",
    ]
    static let bullets = [
        "drafts a first version in under a minute",
        "highlights **missing information** before it starts",
        "checks totals and dates against the `source` fields",
        "keeps a changelog of every edit it suggests",
        "links each claim to the paragraph it came from",
        "suggests a subject line and a *short* summary",
        "escalates to a human when confidence is low",
        "formats tables as Markdown",
        "respects the `max_words` setting",
        "works with PDF, DOCX and plain text",
    ]
}
