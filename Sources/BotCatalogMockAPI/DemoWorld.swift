/// The built-in demo: a small catalog on two consecutive days.
///
/// Day 1 has 3 organizations (`org_support` "Support", `org_sales` "Sales",
/// `org_research` "Research") with 14 bots, 5 public bots (two of them, Support Triage
/// and Lead Qualifier, also in an organization with the same id), and 2 GPTBots keys.
///
/// Day 2 differs from day 1 by exactly (see `MockDemo.day2Changes`):
/// - added: Meeting Notes Summarizer `665f1c2ab9e4d3a0c1b20015` (org_research) and
///   Renewal Reminder `665f1c2ab9e4d3a0c1b20016` (org_sales);
/// - removed: Objection Handler `665f1c2ab9e4d3a0c1b20010` (org_sales);
/// - changed: Escalation Writer `665f1c2ab9e4d3a0c1b20004` (one line of its
///   description edited) and Proposal Drafter `665f1c2ab9e4d3a0c1b20007` (modelKey
///   `gpt-4o-mini` -> `gpt-4o`, creditCost 100 -> 250, inputs[1].type `text` -> `textarea`);
/// - renamed: Pricing Explainer / `pricing_explainer` -> Quote Explainer /
///   `quote_explainer`, same id `665f1c2ab9e4d3a0c1b20008` (org_sales);
/// - moved: Shipping Tracker `665f1c2ab9e4d3a0c1b20005` from org_support to org_sales;
/// - GPTBots: `demo-gptbots-key-sales` answers "Bot deleted" (code 20059).
///
/// Quirks on purpose: FAQ Answerer's and Sales Copilot's `tags` are comma-separated
/// strings; Cold Email Polisher has an unknown `temperature` field; Untrusted
/// Markdown Sample `665f1c2ab9e4d3a0c1b20014` has a `<script>` tag and a
/// `javascript:` link the catalog must neutralize; Travel Planner has non-ASCII text.
extension MockWorld {
    /// Day 1 of the demo for `day <= 1`, day 2 otherwise. Deterministic.
    public static func demo(day: Int) -> MockWorld {
        let isDay2 = day >= 2
        typealias Bots = DemoBots

        let support = MockOrganization(
            id: "org_support",
            name: "Support",
            bots: [Bots.supportTriage, Bots.refundAssistant, Bots.faqAnswerer]
                + [isDay2 ? Bots.escalationWriterDay2 : Bots.escalationWriter]
                + (isDay2 ? [] : [Bots.shippingTracker])
        )
        let sales = MockOrganization(
            id: "org_sales",
            name: "Sales",
            bots: [Bots.leadQualifier]
                + [isDay2 ? Bots.proposalDrafterDay2 : Bots.proposalDrafter]
                + [isDay2 ? Bots.quoteExplainer : Bots.pricingExplainer]
                + [Bots.coldEmailPolisher]
                + (isDay2 ? [Bots.shippingTracker, Bots.renewalReminder] : [Bots.objectionHandler])
        )
        let research = MockOrganization(
            id: "org_research",
            name: "Research",
            bots: [Bots.paperSummarizer, Bots.citationChecker, Bots.surveyDesigner, Bots.untrustedMarkdownSample]
                + (isDay2 ? [Bots.meetingNotesSummarizer] : [])
        )

        return MockWorld(
            unltdToken: MockDemo.unltdToken,
            publicBots: [Bots.supportTriage, Bots.grammarCoach, Bots.leadQualifier, Bots.travelPlanner, Bots.sqlExplainer],
            organizations: [support, sales, research],
            gptbotsKeys: [
                MockDemo.gptbotsSupportKey: .bot(DemoBots.supportConcierge),
                MockDemo.gptbotsSalesKey: isDay2 ? .deleted : .bot(DemoBots.salesCopilot),
            ]
        )
    }
}

/// Names and ids of the demo, for tests and docs that refer to it.
public enum MockDemo {
    public static let unltdToken = "demo-unltd-token"
    public static let gptbotsSupportKey = "demo-gptbots-key-support"
    public static let gptbotsSalesKey = "demo-gptbots-key-sales"

    /// Everything `MockWorld.demo(day: 2)` changes relative to day 1.
    public static let day2Changes = MockDemoChanges(
        addedBotIDs: ["665f1c2ab9e4d3a0c1b20015", "665f1c2ab9e4d3a0c1b20016"],
        removedBotIDs: ["665f1c2ab9e4d3a0c1b20010"],
        changedBotIDs: ["665f1c2ab9e4d3a0c1b20004", "665f1c2ab9e4d3a0c1b20007"],
        renamed: .init(
            botID: "665f1c2ab9e4d3a0c1b20008",
            oldName: "Pricing Explainer", oldSlug: "pricing_explainer",
            newName: "Quote Explainer", newSlug: "quote_explainer"),
        moved: .init(botID: "665f1c2ab9e4d3a0c1b20005", fromOrganizationID: "org_support", toOrganizationID: "org_sales"),
        deletedGPTBotsKey: gptbotsSalesKey
    )

    /// The bot whose description carries a `<script>` tag and a `javascript:` link.
    public static let hostileBotID = "665f1c2ab9e4d3a0c1b20014"
}

/// The day-1 -> day-2 differences of the demo, as data.
public struct MockDemoChanges: Sendable, Equatable {
    public struct Rename: Sendable, Equatable {
        public var botID: String
        public var oldName: String
        public var oldSlug: String
        public var newName: String
        public var newSlug: String
    }

    public struct Move: Sendable, Equatable {
        public var botID: String
        public var fromOrganizationID: String
        public var toOrganizationID: String
    }

    public var addedBotIDs: [String]
    public var removedBotIDs: [String]
    /// Same id, name and slug; other fields differ.
    public var changedBotIDs: [String]
    public var renamed: Rename
    public var moved: Move
    public var deletedGPTBotsKey: String
}

/// The demo's bot objects, written out by hand so the data reads like the real thing.
private enum DemoBots {
    static func bot(
        _ idSuffix: String,
        name: String,
        slug: String,
        modelKey: String,
        creditCost: Int,
        inputs: [MockJSON],
        tags: MockJSON,
        description: String,
        applyToApi: Bool = true,
        extra: [String: MockJSON] = [:]
    ) -> MockJSON {
        var object: [String: MockJSON] = [
            "applyToApi": .bool(applyToApi),
            "creditCost": .int(creditCost),
            "inputs": .array(inputs),
            "modelKey": .string(modelKey),
            "name": .string(name),
            "description": .string(description),
            "slug": .string(slug),
            "id": .string("665f1c2ab9e4d3a0c1b2" + idSuffix),
            "tags": tags,
        ]
        object.merge(extra) { _, new in new }
        return .object(object)
    }

    static func input(_ name: String, _ type: String, required: Bool = true) -> MockJSON {
        ["name": .string(name), "type": .string(type), "required": .bool(required)]
    }

    // MARK: org_support

    static let supportTriage = bot(
        "0001", name: "Support Triage", slug: "support_triage", modelKey: "gpt-4o-mini", creditCost: 50,
        inputs: [input("ticket", "text"), input("customer_tier", "select", required: false)],
        tags: ["support", "triage"],
        description: """
            Reads an incoming support ticket and decides **who should handle it** and how urgent it is.

            It returns one of:

            - `billing`, `shipping`, `technical` or `account` as the queue
            - a priority from `P1` (outage) to `P4` (question)
            - a one-line summary for the agent

            Routing rules follow the [support playbook](https://docs.example.com/support/playbook).
            """)

    static let refundAssistant = bot(
        "0002", name: "Refund Assistant", slug: "refund_assistant", modelKey: "gpt-4o-mini", creditCost: 75,
        inputs: [input("order_id", "text"), input("reason", "text")],
        tags: ["support", "billing"],
        description: """
            Checks an order against the refund policy and drafts a reply the agent can send as is.

            The assistant looks at:

            1. the order date and the **30-day window**
            2. whether the item was opened
            3. earlier refunds on the same account

            Pass the order number exactly as shown in the admin, e.g. `ORD-20931`. Policy details live in the
            [refund policy](https://help.example.com/refunds).
            """)

    static let faqAnswerer = bot(
        "0003", name: "FAQ Answerer", slug: "faq_answerer", modelKey: "textCompletion", creditCost: 10,
        inputs: [input("question", "text")],
        tags: "support, faq",
        description: """
            Answers common customer questions from the public help center, **citing the article** it used.

            Good for:

            - opening hours and contact details
            - password resets
            - delivery times

            It says so when it does not know, instead of guessing. Articles are indexed nightly from
            [help.example.com](https://help.example.com); ask about `status` pages for outages.
            """)

    static let escalationWriter = bot(
        "0004", name: "Escalation Writer", slug: "escalation_writer", modelKey: "claude-3-5-sonnet", creditCost: 120,
        inputs: [input("conversation", "textarea"), input("team", "text")],
        tags: ["support", "writing"],
        description: escalationWriterDescription(
            timeline: "- a timeline of what the customer tried"))

    /// Day 2: one line of the description edited.
    static let escalationWriterDay2 = bot(
        "0004", name: "Escalation Writer", slug: "escalation_writer", modelKey: "claude-3-5-sonnet", creditCost: 120,
        inputs: [input("conversation", "textarea"), input("team", "text")],
        tags: ["support", "writing"],
        description: escalationWriterDescription(
            timeline: "- a timeline of what the customer tried, with timestamps in UTC"))

    private static func escalationWriterDescription(timeline: String) -> String {
        """
        Turns a long customer conversation into an escalation note for the engineering on-call.

        The note always contains:

        - the **customer impact** in one sentence
        \(timeline)
        - the exact error text in a `code` block

        Engineering's template is described in the [escalation guide](https://docs.example.com/support/escalations).
        """
    }

    static let shippingTracker = bot(
        "0005", name: "Shipping Tracker", slug: "shipping_tracker", modelKey: "gpt-4o-mini", creditCost: 25,
        inputs: [input("tracking_number", "text")],
        tags: ["support", "logistics"],
        description: """
            Looks up a parcel with the carrier and explains its status in **plain words**.

            Supported carriers:

            - DHL and UPS
            - national postal services in the EU

            Tracking numbers look like `1Z999AA10123456784`. Carrier status codes are listed on
            [the carriers page](https://docs.example.com/shipping/carriers).
            """)

    // MARK: org_sales

    static let leadQualifier = bot(
        "0006", name: "Lead Qualifier", slug: "lead_qualifier", modelKey: "gpt-4o", creditCost: 90,
        inputs: [input("company", "text"), input("notes", "textarea", required: false)],
        tags: ["sales", "crm"],
        description: """
            Scores an inbound lead from **0 to 100** using the BANT checklist and suggests the next step.

            What it weighs:

            - budget and company size
            - authority of the contact
            - need, as stated in the form
            - timeline

            The score is written back to the CRM field `lead_score`. See
            [qualification criteria](https://sales.example.com/playbook/qualification).
            """)

    static let proposalDrafter = bot(
        "0007", name: "Proposal Drafter", slug: "proposal_drafter", modelKey: "gpt-4o-mini", creditCost: 100,
        inputs: [input("client", "text"), input("scope", "text"), input("budget", "number", required: false)],
        tags: ["sales", "writing"],
        description: proposalDrafterDescription)

    /// Day 2: modelKey, creditCost and inputs[1].type changed.
    static let proposalDrafterDay2 = bot(
        "0007", name: "Proposal Drafter", slug: "proposal_drafter", modelKey: "gpt-4o", creditCost: 250,
        inputs: [input("client", "text"), input("scope", "textarea"), input("budget", "number", required: false)],
        tags: ["sales", "writing"],
        description: proposalDrafterDescription)

    private static let proposalDrafterDescription = """
        Drafts a first version of a client proposal from a short scope description.

        The draft has **four sections**:

        1. Context
        2. Proposed work
        3. Timeline and milestones
        4. Pricing, using the `standard` rate card

        Review before sending; the [proposal checklist](https://sales.example.com/playbook/proposals) helps.
        """

    static let pricingExplainer = bot(
        "0008", name: "Pricing Explainer", slug: "pricing_explainer", modelKey: "textCompletion", creditCost: 30,
        inputs: [input("plan", "text")],
        tags: ["sales", "pricing"],
        description: pricingExplainerDescription)

    /// Day 2: Pricing Explainer renamed, with a new slug and the same id.
    static let quoteExplainer = bot(
        "0008", name: "Quote Explainer", slug: "quote_explainer", modelKey: "textCompletion", creditCost: 30,
        inputs: [input("plan", "text")],
        tags: ["sales", "pricing"],
        description: pricingExplainerDescription)

    private static let pricingExplainerDescription = """
        Explains a plan or quote line by line so a customer understands **what they pay for**.

        It covers:

        - seats and usage-based items
        - discounts and their end dates
        - taxes by region

        Plan names match the `plans.yaml` catalogue; current prices are on
        [the pricing page](https://www.example.com/pricing).
        """

    static let coldEmailPolisher = bot(
        "0009", name: "Cold Email Polisher", slug: "cold_email_polisher", modelKey: "claude-3-5-haiku", creditCost: 15,
        inputs: [input("draft", "textarea")],
        tags: ["sales", "writing", "email"],
        description: """
            Tightens a cold outreach email: shorter sentences, **one clear ask**, no buzzwords.

            It will:

            - cut the draft to under 120 words
            - move the ask to the last line
            - flag phrases like `circle back` and `synergy`

            Based on our [outreach guidelines](https://sales.example.com/playbook/outreach).
            """,
        extra: ["temperature": 0.2])

    static let objectionHandler = bot(
        "0010", name: "Objection Handler", slug: "objection_handler", modelKey: "gpt-4o-mini", creditCost: 40,
        inputs: [input("objection", "text"), input("product", "text")],
        tags: ["sales"],
        description: """
            Suggests answers to common sales objections, **honestly** and without pressure tactics.

            Typical objections:

            - "It's too expensive"
            - "We already use a competitor"
            - "Not the right time"

            Answers link to proof points from the `case-studies` folder and the
            [objection library](https://sales.example.com/playbook/objections).
            """)

    static let renewalReminder = bot(
        "0016", name: "Renewal Reminder", slug: "renewal_reminder", modelKey: "gpt-4o-mini", creditCost: 20,
        inputs: [input("account", "text"), input("renewal_date", "date")],
        tags: ["sales", "customer success"],
        description: """
            Writes a friendly renewal reminder **60 days** before a contract ends.

            The reminder mentions:

            - usage highlights from the last quarter
            - any price change
            - who to contact with questions

            Dates must be ISO 8601, e.g. `2025-03-31`. See the
            [renewals process](https://sales.example.com/playbook/renewals).
            """)

    // MARK: org_research

    static let paperSummarizer = bot(
        "0011", name: "Paper Summarizer", slug: "paper_summarizer", modelKey: "claude-3-5-sonnet", creditCost: 150,
        inputs: [input("paper_url", "url"), input("audience", "select", required: false)],
        tags: ["research", "summaries"],
        description: """
            Summarizes a scientific paper for a chosen audience, from **executive** to **specialist**.

            Each summary lists:

            - the research question
            - the method and sample size
            - the main result, with its confidence interval
            - limitations the authors admit

            Works best with arXiv links such as `https://arxiv.org/abs/1706.03762`; see
            [arXiv](https://arxiv.org).
            """)

    static let citationChecker = bot(
        "0012", name: "Citation Checker", slug: "citation_checker", modelKey: "gpt-4o", creditCost: 60,
        inputs: [input("manuscript", "textarea")],
        tags: ["research", "quality"],
        description: """
            Checks that every citation in a manuscript **exists** and says what the text claims it says.

            It reports:

            - references it could not find
            - DOIs that resolve to a different title
            - claims not supported by the cited abstract

            Resolves DOIs through [doi.org](https://www.doi.org); paste references in `BibTeX` or plain text.
            """)

    static let surveyDesigner = bot(
        "0013", name: "Survey Designer", slug: "survey_designer", modelKey: "gpt-4o-mini", creditCost: 45,
        inputs: [input("goal", "text"), input("respondents", "number", required: false)],
        tags: ["research", "surveys"],
        description: """
            Designs a short survey from a research goal and avoids **leading questions**.

            You get:

            - 8 to 12 questions with answer scales
            - a note on sample size
            - an export in `csv` for the survey tool

            Question wording follows the [survey style guide](https://research.example.com/guides/surveys).
            """,
        applyToApi: false)

    static let untrustedMarkdownSample = bot(
        "0014", name: "Untrusted Markdown Sample", slug: "untrusted_markdown_sample", modelKey: "textCompletion",
        creditCost: 5,
        inputs: [],
        tags: ["research", "testing"],
        description: """
            Shows how the catalog treats **untrusted** Markdown from the API.

            <script>alert(1)</script>

            - A [harmless link](https://example.com/docs)
            - A [click](javascript:alert(1)) link that must not survive
            - An image with a handler: <img src="x" onerror="alert(1)">

            Inline `<b>code</b>` stays code, and "quotes" & ampersands stay text.
            """)

    static let meetingNotesSummarizer = bot(
        "0015", name: "Meeting Notes Summarizer", slug: "meeting_notes_summarizer", modelKey: "claude-3-5-haiku",
        creditCost: 35,
        inputs: [input("transcript", "textarea"), input("format", "select", required: false)],
        tags: ["research", "summaries", "meetings"],
        description: """
            Condenses a meeting transcript into **decisions, open questions and action items**.

            Action items get:

            - an owner
            - a due date when one was mentioned
            - a link back to the transcript line

            Accepts `vtt` and `srt` files; see [supported formats](https://research.example.com/guides/transcripts).
            """)

    // MARK: public only

    static let grammarCoach = bot(
        "0017", name: "Grammar Coach", slug: "grammar_coach", modelKey: "gpt-4o-mini", creditCost: 5,
        inputs: [input("text", "textarea")],
        tags: ["writing", "education"],
        description: """
            Corrects grammar and explains **why**, so you learn the rule instead of just the fix.

            - Explains each change in one sentence
            - Keeps your tone and vocabulary
            - Supports British and American spelling via `variant`

            Rules are taken from [the style guide](https://www.example.com/style-guide).
            """)

    static let travelPlanner = bot(
        "0018", name: "Travel Planner", slug: "travel_planner", modelKey: "gpt-4o", creditCost: 80,
        inputs: [input("destination", "text"), input("days", "number"), input("budget", "text", required: false)],
        tags: ["travel", "planning"],
        description: """
            Plans a day-by-day itinerary — from a café in Zürich to a night train to Kraków ☕🚆.

            Every plan includes:

            - **morning, afternoon and evening** slots
            - travel times between stops
            - a rough budget in the local currency

            Set `days` between 1 and 14. Opening hours come from
            [OpenStreetMap](https://www.openstreetmap.org).
            """)

    static let sqlExplainer = bot(
        "0019", name: "SQL Explainer", slug: "sql_explainer", modelKey: "claude-3-5-sonnet", creditCost: 40,
        inputs: [input("query", "textarea"), input("dialect", "select", required: false)],
        tags: ["engineering", "databases"],
        description: """
            Explains what an SQL query does, clause by clause, and points out **slow patterns**.

            It warns about:

            - `SELECT *` in production code
            - missing indexes on join columns
            - `NOT IN` with nullable subqueries

            Dialects: PostgreSQL, MySQL and SQLite. Background reading:
            [Use The Index, Luke](https://use-the-index-luke.com).
            """)

    // MARK: GPTBots

    static let supportConcierge: MockJSON = [
        "bot_id": "645dd86606931c4a9e0f0001",
        "name": "Support Concierge",
        "logo": "https://res.theengagelab.com/ailab/images/default_avatar.png",
        "bot_type": "QuestionAnswer",
        "welcome_message": "Hi! Ask me anything about orders, returns or your account.",
        "introduction": "Answers customer questions from the help-center knowledge base.",
        "tags": ["support", "help center"],
        "identity_prompt": """
            You are Support Concierge, the first point of contact for customers.
            Answer only from the knowledge base and say when you do not know.
            Never promise refunds; hand those to a human agent.
            """,
        "ai_model": "ChatGPT",
        "ai_model_version": "4.0",
        "creativity_level": 0.3,
        "doc_correlation": 0.2,
        "irrelevant_questions": false,
        "question_limit": 100,
        "long_term_memory": true,
    ]

    static let salesCopilot: MockJSON = [
        "bot_id": "645dd86606931c4a9e0f0002",
        "name": "Sales Copilot",
        "logo": "https://res.theengagelab.com/ailab/images/sales_avatar.png",
        "bot_type": "Flow",
        "welcome_message": "Which account are we working on today?",
        "introduction": "Helps account executives prepare calls and follow-ups.",
        "tags": "sales, outreach",
        "identity_prompt": """
            You are Sales Copilot, an assistant for account executives.
            Be concise and specific; quote numbers from the CRM when you have them.
            Do not invent customer names or deal sizes.
            """,
        "ai_model": "ChatGPT",
        "ai_model_version": "3.5",
        "creativity_level": 0.7,
        "doc_correlation": 0.5,
        "irrelevant_questions": true,
        "question_limit": 200,
        "long_term_memory": false,
    ]
}
