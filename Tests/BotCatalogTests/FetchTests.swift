import Foundation
import Logging
import Testing

@testable import BotCatalog
import BotCatalogMockAPI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The fetch stage, specified over real loopback HTTP against `MockAPIServer`.
///
/// Every test asserts twice: on what `CatalogFetcher.fetchAll()` returned (bots, state,
/// problem lines, counters) and on what the server received (how many requests, which
/// pages, the Bearer secret on each). Timing is only ever checked as a lower bound, from
/// the server's own `receivedAt` stamps.
@Suite("Fetch stage")
struct FetchTests {
    static let token = "fetch-tests-token-4c1e"

    // MARK: - Pagination and listings

    @Test("every page of a listing is read once, the last one short: 23 bots in pages of 5 are 5 requests")
    func unevenLastPage() async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<23)])
        try await Self.withServer(world) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5))

            #expect(fetch.status.state == .complete)
            #expect(fetch.status.problems.isEmpty)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<23))
            #expect(fetch.bots.allSatisfy { $0.organization == "org_a" && $0.scope == "org:org_a" && $0.source == "acme" })
            // Each bot comes with its fields' print, made as the page was read: the site walks no fields.
            #expect(fetch.bots.allSatisfy { JSONPrintsTests.sameAsWalk($0.fields, $0.fieldsPrint) })
            #expect(fetch.status.bots == 23)
            #expect(fetch.status.requests == 5)
            #expect(fetch.status.retries == 0)

            let requests = server.requests
            #expect(requests.count == 5)
            #expect(requests.map(\.page).sorted() == [1, 2, 3, 4, 5])
            #expect(requests.allSatisfy { $0.query["limit"] == "5" && $0.method == "GET" })
            Self.expectBearer(requests, Self.token)
        }
    }

    @Test("the public list and every organization are read; an empty organization is one request; a bot in both is one bot, the organization's copy")
    func publicListAndOrganizations() async throws {
        // Bot 3 is in the public list (with a different description) and in org_a.
        var publicCopy = Self.bot(3)
        publicCopy["description"] = "the public copy"
        let world = MockWorld(
            unltdToken: Self.token,
            publicBots: [publicCopy] + (100..<107).map { Self.bot($0) },
            organizations: [
                Self.organization("org_a", bots: 0..<12),
                Self.organization("org_b", bots: 12..<19),
                MockOrganization(id: "org_empty", name: "Empty", bots: []),
            ]
        )
        try await Self.withServer(world) { server in
            let source = Self.unltd(server, includePublic: true, organizations: ["org_a", "org_b", "org_empty"], pageSize: 5)
            let fetch = try await Self.fetchOne(source)

            #expect(fetch.status.state == .complete)
            #expect(fetch.status.problems.isEmpty)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<19) + Self.ids(100..<107))
            #expect(Set(fetch.bots.map(\.id)).count == fetch.bots.count)

            let shared = try #require(fetch.bots.first { $0.id == Self.id(3) })
            #expect(shared.organization == "org_a")
            #expect(shared.scope == "org:org_a")
            #expect(shared.fields["description"]?.stringValue == Self.bot(3)["description"]?.stringValue)
            for bot in fetch.bots {
                let expected: String? = switch Int(bot.id.dropFirst(3)) ?? -1 {
                case 0..<12: "org_a"
                case 12..<19: "org_b"
                default: nil
                }
                #expect(bot.organization == expected, "\(bot.id)")
                #expect(bot.scope == expected.map { "org:\($0)" } ?? "public", "\(bot.id)")
            }

            // 8 public bots, 12 + 7 + 0 organization bots, in pages of 5.
            let minimum = Self.pages(8, 5) + Self.pages(12, 5) + Self.pages(7, 5) + Self.pages(0, 5)
            #expect(minimum == 8)
            #expect(fetch.status.requests == minimum)
            let requests = server.requests
            #expect(requests.count == minimum)
            #expect(requests.filter { $0.normalizedPath == "/unltd/v1/bots" }.map(\.page).sorted() == [1, 2])
            #expect(Self.pagesRequested(requests, organization: "org_a") == [1, 2, 3])
            #expect(Self.pagesRequested(requests, organization: "org_b") == [1, 2])
            #expect(Self.pagesRequested(requests, organization: "org_empty") == [1])
            Self.expectBearer(requests, Self.token)
        }
    }

    @Test("when the server clamps `limit`, later pages follow the limit it returned: ceil(n / maxPageSize) requests")
    func clampedLimit() async throws {
        var world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<37)])
        world.maxPageSize = 10
        try await Self.withServer(world) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 100))

            #expect(fetch.status.state == .complete)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<37))
            #expect(fetch.status.requests == 4)

            let requests = server.requests.sorted { $0.page < $1.page }
            #expect(requests.count == 4)
            #expect(requests.map(\.page) == [1, 2, 3, 4])
            #expect(requests.map { $0.query["limit"] } == ["100", "10", "10", "10"])
            Self.expectBearer(requests, Self.token)
        }
    }

    // MARK: - Lists that change while paging

    @Test("a bot inserted at the front after page 1: the listing is read again and comes out complete")
    func driftOnceRereadsTheListing() async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<23)])
        let newcomer = Self.bot(500)
        let insert = MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 1, times: 1,
                               action: .mutateWorld { $0.organizations[0].bots.insert(newcomer, at: 0) })
        try await Self.withServer(world, faults: [insert]) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5))

            #expect(fetch.status.state == .complete)
            #expect(fetch.status.problems.isEmpty)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<23) + [Self.id(500)])

            // Two full readings: 23 bots then 24 bots, 5 pages each.
            let requests = server.requests
            #expect(requests.count == 10)
            #expect(fetch.status.requests == 10)
            #expect(requests.filter { $0.page == 1 }.count == 2)
            Self.expectBearer(requests, Self.token)
        }
    }

    @Test("a list that changes on every reading: the source is partial and the problem says the list changed while paging")
    func permanentDriftIsPartial() async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<23)])
        let insert = MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 1, times: .max,
                               action: .mutateWorld { world in
                                   world.organizations[0].bots.insert(Self.bot(1_000 + world.organizations[0].bots.count), at: 0)
                               })
        try await Self.withServer(world, faults: [insert]) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5))

            #expect(fetch.status.state == .partial)
            #expect(fetch.status.problems.count == 1)
            let problem = try #require(fetch.status.problems.first)
            #expect(problem.contains("source acme, organization org_a"))
            #expect(problem.contains("the list changed while paging"))
            #expect(problem.contains("try again later"))
            // What did come is kept: every original bot was on some page.
            #expect(Set(Self.ids(0..<23)).isSubset(of: fetch.bots.map(\.id)))
            #expect(Set(fetch.bots.map(\.id)).count == fetch.bots.count)

            // Read twice, never a third time.
            #expect(server.requests.filter { $0.page == 1 }.count == 2)
            #expect(server.requests.count == 10)
        }
    }

    @Test("a bot repeated on the next page while the totals stay the same: detected by counting, read again, each bot once")
    func shiftedPagesKeepEachBotOnce() async throws {
        // After page 1 the last bot moves to the front: page 2 then repeats bot 4 and skips bot 9.
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<10)])
        let rotate = MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 1, times: 1,
                               action: .mutateWorld { world in
                                   let last = world.organizations[0].bots.removeLast()
                                   world.organizations[0].bots.insert(last, at: 0)
                               })
        try await Self.withServer(world, faults: [rotate]) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5))

            #expect(fetch.status.state == .complete)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<10))
            #expect(server.requests.count == 4)
            #expect(server.requests.allSatisfy { $0.status == 200 })
        }
    }

    @Test("a listing that holds the same bot twice keeps it once, and reports that the pages did not add up")
    func duplicatedEntryIsKeptOnce() async throws {
        var organization = Self.organization("org_a", bots: 0..<9)
        organization.bots.insert(Self.bot(2), at: 6)  // totalResults 10, 9 distinct bots
        let world = MockWorld(unltdToken: Self.token, organizations: [organization])
        try await Self.withServer(world) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5))

            #expect(fetch.bots.map(\.id) == Self.ids(0..<9))
            #expect(fetch.status.bots == 9)
            // It cannot tell a repeat from a skipped bot, so it does not claim completeness.
            #expect(fetch.status.state == .partial)
            let problem = try #require(fetch.status.problems.first)
            #expect(problem.contains("source acme, organization org_a"))
            #expect(problem.contains("9 unique bots, server said 10"))
            #expect(server.requests.count == 4)
        }
    }

    // MARK: - Rate limiting by the server

    /// Page 2 refused once with `429`, either way. (Not the server's own limit of one request a
    /// second: a machine slow enough to take a second between pages 1 and 2 would be let through.)
    enum RetryAfterForm: String, CaseIterable, Sendable {
        /// `Retry-After: 1`.
        case seconds
        /// An HTTP-date one second after the refusal, worked out when the server refuses.
        case httpDate

        var faults: [MockFault] {
            [MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 2, times: 1,
                       action: self == .seconds ? .tooManyRequests(retryAfter: "1") : .tooManyRequestsUntil(.seconds(1)))]
        }
    }

    @Test("a 429 waits for Retry-After, in seconds or as an HTTP-date, without using up a retry, then succeeds",
          arguments: RetryAfterForm.allCases)
    func tooManyRequestsWaitsForRetryAfter(form: RetryAfterForm) async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<10)])
        let events = Recorder<FetchEvent>()
        try await Self.withServer(world, faults: form.faults) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5, retries: 0),
                                                events: events.append)

            #expect(fetch.status.state == .complete)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<10))
            #expect(fetch.status.rateLimitWaits == 1)
            #expect(fetch.status.retries == 0)
            #expect(fetch.status.requests == 3)

            // Page 1, page 2 refused, page 2 again at least the second it was told to wait.
            let requests = server.requests
            #expect(requests.map(\.page) == [1, 2, 2])
            #expect(requests.map(\.status) == [200, 429, 200])
            if requests.count == 3 {
                #expect(Self.seconds(requests[2].receivedAt - requests[1].receivedAt) >= 0.95)
            }
            Self.expectBearer(requests, Self.token)

            // Delta-seconds say exactly 1 s. A date says "until then", counted from the client's
            // own clock when it reads the answer, which on a loaded machine is later than the
            // server's: only the retry's arrival above is exact for it.
            #expect(events.values.contains { event in
                if case .waiting(source: "acme", seconds: let seconds, reason: _) = event { return form == .seconds ? seconds >= 0.95 : seconds > 0 }
                return false
            })
        }
    }

    @Test("with `rateLimit: 10/s` against a server allowing 10 per second: no 429, never 11 in a second, 0.1 s apart on the whole")
    func rateLimitKeepsWithinTheServersWindow() async throws {
        let world = MockWorld.synthetic(bots: 120, organizations: 3)
        let serverLimit = MockRateLimit(requests: 10, per: .seconds(1))
        try await Self.withServer(world, rateLimit: serverLimit) { server in
            let source = Self.unltd(server, organizations: world.organizations.map(\.id), pageSize: 5,
                                    rateLimit: RateLimit(parsing: "10/s"))
            let fetch = try await Self.fetchOne(source, token: world.unltdToken)

            #expect(fetch.status.state == .complete)
            #expect(fetch.bots.count == 120)
            #expect(fetch.status.rateLimitWaits == 0)

            let requests = server.requests.sorted { $0.receivedAt < $1.receivedAt }
            #expect(requests.count == 24)  // 3 organizations × 40 bots in pages of 5
            #expect(requests.filter { $0.status == 429 }.isEmpty)
            // What the server's window needs, exactly: never 11 requests within one second.
            let spans = zip(requests, requests.dropFirst(10)).map { Self.seconds($1.receivedAt - $0.receivedAt) }
            #expect(spans.allSatisfy { $0 >= 1.0 }, "shortest span of 11 requests: \(spans.min() ?? 0) s")
            // Evenly spaced, never in bursts. The stamps come from a server sharing two busy cores
            // with the client, so one request held up by a few tens of milliseconds shortens the
            // gap after it (0.033 s has been seen at load 3.7, 0.011 s under ThreadSanitizer); the
            // spacing is therefore held on the whole (mean and median), and a short gap must follow
            // a long one that makes up for it: a request stamped late, not two sent in one slot
            // (a burst: a gap of about 0.1 s, then nothing; 2 ms apart unlimited). The first gap is
            // left to the window's check: the first request also opened the connection.
            let inOrder = zip(requests, requests.dropFirst()).map { Self.seconds($1.receivedAt - $0.receivedAt) }
            let gaps = inOrder.sorted()
            #expect(gaps.reduce(0, +) / Double(max(gaps.count, 1)) >= 0.1, "mean gap")
            #expect((gaps.isEmpty ? 0 : gaps[gaps.count / 2]) >= 0.099, "median gap")
            for n in inOrder.indices.dropFirst() where inOrder[n] < 0.02 {
                #expect(inOrder[n - 1] + inOrder[n] >= 0.18, "requests \(n + 1) and \(n + 2) were \(inOrder[n]) s apart, after a gap of \(inOrder[n - 1]) s")
            }
            Self.expectBearer(requests, world.unltdToken)
        }
    }

    // MARK: - Transient failures are retried

    enum TransientFault: String, CaseIterable, Sendable {
        case serverError, truncatedBody, invalidJSON, connectionReset

        var action: MockFaultAction {
            switch self {
            case .serverError: .status(500)
            case .truncatedBody: .truncate
            case .invalidJSON: .invalidJSON
            case .connectionReset: .reset
            }
        }
    }

    @Test("a transient failure once, then success: complete, one retry, the page asked for twice",
          arguments: TransientFault.allCases)
    func transientFailureIsRetried(fault: TransientFault) async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [Self.organization("org_a", bots: 0..<15)])
        let rule = MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 2, times: 1, action: fault.action)
        let events = Recorder<FetchEvent>()
        try await Self.withServer(world, faults: [rule]) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a"], pageSize: 5, retries: 2),
                                                events: events.append)

            #expect(fetch.status.state == .complete)
            #expect(fetch.status.problems.isEmpty)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<15))
            #expect(fetch.status.retries == 1)
            #expect(fetch.status.requests == 4)

            let requests = server.requests
            #expect(requests.count == 4)
            #expect(requests.map(\.page).sorted() == [1, 2, 2, 3])
            Self.expectBearer(requests, Self.token)
            #expect(events.values.contains { event in
                if case .retry(source: "acme", path: _, attempt: 1, reason: _) = event { return true }
                return false
            })
        }
    }

    // MARK: - Failures that stay

    enum OrganizationFailure: String, CaseIterable, Sendable {
        case forbidden, serverErrorForever, unknownOrganization

        var faults: [MockFault] {
            let path = "/unltd/v1/organizations/org_x/bots"
            switch self {
            case .forbidden: return [MockFault(path: path, times: .max, action: .status(403))]
            case .serverErrorForever: return [MockFault(path: path, times: .max, action: .status(500))]
            case .unknownOrganization: return []
            }
        }

        /// What the problem line must say, beyond naming the source and organization.
        var fix: [String] {
            switch self {
            case .forbidden: return ["access denied", "must be a member of this organization"]
            case .serverErrorForever: return ["HTTP 500 after 2 attempts", "try again later"]
            case .unknownOrganization: return ["not found", "check the organization id in `organizations`"]
            }
        }

        /// Requests to org_x: one final answer, or the first attempt and one retry.
        var requests: Int { self == .serverErrorForever ? 2 : 1 }
    }

    @Test("an organization that keeps failing makes the source partial; the others' bots are kept and the problem names the fix",
          arguments: OrganizationFailure.allCases)
    func failingOrganizationIsPartial(failure: OrganizationFailure) async throws {
        var organizations = [Self.organization("org_a", bots: 0..<6)]
        if failure != .unknownOrganization { organizations.append(Self.organization("org_x", bots: 6..<12)) }
        let world = MockWorld(unltdToken: Self.token, organizations: organizations)
        try await Self.withServer(world, faults: failure.faults) { server in
            let fetch = try await Self.fetchOne(Self.unltd(server, organizations: ["org_a", "org_x"], pageSize: 5, retries: 1))

            #expect(fetch.status.state == .partial)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<6))
            #expect(fetch.status.problems.count == 1)
            let problem = try #require(fetch.status.problems.first)
            #expect(problem.hasPrefix("source acme, organization org_x: "))
            for fragment in failure.fix {
                #expect(problem.contains(fragment), "\(problem)")
            }

            let requests = server.requests
            #expect(Self.pagesRequested(requests, organization: "org_x") == Array(repeating: 1, count: failure.requests))
            #expect(Self.pagesRequested(requests, organization: "org_a") == [1, 2])
            #expect(fetch.status.requests == requests.count)
            Self.expectBearer(requests, Self.token)
        }
    }

    @Test("a rejected token fails the source: every listing says to put a current token in the variable, and nothing is retried")
    func rejectedToken() async throws {
        let world = MockWorld(unltdToken: Self.token, publicBots: [Self.bot(1)], organizations: [Self.organization("org_a", bots: 2..<4)])
        try await Self.withServer(world) { server in
            let source = Self.unltd(server, includePublic: true, organizations: ["org_a"], pageSize: 5, retries: 3)
            let fetch = try await Self.fetchOne(source, token: "an-old-token-0000")

            #expect(fetch.status.state == .failed)
            #expect(fetch.bots.isEmpty)
            #expect(fetch.status.problems.count == 2)
            for problem in fetch.status.problems {
                #expect(problem.contains("the token was rejected"))
                #expect(problem.contains("put a current token in ACME_TOKEN"))
            }
            #expect(fetch.status.problems.contains { $0.hasPrefix("source acme, public list: ") })
            #expect(fetch.status.problems.contains { $0.hasPrefix("source acme, organization org_a: ") })
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.status == 401 })
        }
    }

    @Test("a hung connection times out with a timeout problem that counts the attempts; the other listings still complete")
    func hungConnectionTimesOut() async throws {
        let world = MockWorld(unltdToken: Self.token, organizations: [
            Self.organization("org_a", bots: 0..<12),
            Self.organization("org_hung", bots: 12..<14),
        ])
        let hang = MockFault(path: "/unltd/v1/organizations/org_hung/bots", times: .max, action: .hang)
        try await Self.withServer(world, faults: [hang]) { server in
            let source = Self.unltd(server, organizations: ["org_a", "org_hung"], pageSize: 5, timeout: 0.5, retries: 1)
            let fetch = try await Self.fetchOne(source)

            #expect(fetch.status.state == .partial)
            #expect(fetch.bots.map(\.id) == Self.ids(0..<12))
            #expect(fetch.status.problems.count == 1)
            let problem = try #require(fetch.status.problems.first)
            #expect(problem.hasPrefix("source acme, organization org_hung: "))
            #expect(problem.contains("read timeout after 2 attempts"), "\(problem)")
            #expect(problem.contains("did not answer in time"))
            #expect(problem.contains("raise `timeout`"))

            let requests = server.requests
            #expect(Self.pagesRequested(requests, organization: "org_hung") == [1, 1])
            #expect(Self.pagesRequested(requests, organization: "org_a") == [1, 2, 3])
            Self.expectBearer(requests, Self.token)
        }
    }

    @Test("an unreachable host fails the source with one problem line that says to check `url`")
    func unreachableHost() async throws {
        let refusing = try RefusingPort()
        let source = SourceConfig(name: "acme", platform: .unltd, url: "http://127.0.0.1:\(refusing.port)/unltd/v1",
                                  tokenEnv: "ACME_TOKEN", includePublic: true, pageSize: 5,
                                  connectTimeout: 0.5, timeout: 0.5, retries: 0, retryDelay: 0.01)
        let fetch = try await Self.fetchOne(source)

        #expect(fetch.status.state == .failed)
        #expect(fetch.bots.isEmpty)
        #expect(fetch.status.problems.count == 1)
        let problem = try #require(fetch.status.problems.first)
        #expect(problem.hasPrefix("source acme, public list: "))
        #expect(problem.contains("check `url` (127.0.0.1:\(refusing.port))"), "\(problem)")
        #expect(fetch.status.requests == 1)
    }

    // MARK: - GPTBots

    @Test("GPTBots: a rejected key (40127) makes the source partial and names its variable; a deleted bot (20059) is a deleted scope; tags decode as string or array")
    func gptbotsKeys() async throws {
        let world = MockWorld(unltdToken: Self.token, gptbotsKeys: [
            "gpt-key-string-tags": .bot(Self.gptbotsBot("645dd86606931c4a9e0f0001", tags: "support, faq")),
            "gpt-key-array-tags": .bot(Self.gptbotsBot("645dd86606931c4a9e0f0002", tags: ["support", "triage"])),
            "gpt-key-revoked": .authFailed,
            "gpt-key-deleted": .deleted,
        ])
        try await Self.withServer(world) { server in
            let assist = SourceConfig(name: "assist", platform: .gptbots, url: server.gptbotsURL,
                                      keysEnv: ["GPT_STRING", "GPT_REVOKED"], retries: 2, retryDelay: 0.01)
            let helpdesk = SourceConfig(name: "helpdesk", platform: .gptbots, url: server.gptbotsURL,
                                        keysEnv: ["GPT_ARRAY", "GPT_DELETED"], retries: 2, retryDelay: 0.01)
            let environment = [
                "GPT_STRING": "gpt-key-string-tags", "GPT_REVOKED": "gpt-key-revoked",
                "GPT_ARRAY": "gpt-key-array-tags", "GPT_DELETED": "gpt-key-deleted",
            ]
            let fetches = try await Self.fetch([helpdesk, assist], environment: environment)
            #expect(fetches.map(\.status.name) == ["assist", "helpdesk"])
            let partial = try #require(fetches.first)
            let complete = try #require(fetches.last)

            #expect(partial.status.state == .partial)
            #expect(partial.bots.map(\.id) == ["645dd86606931c4a9e0f0001"])
            #expect(partial.bots.first?.tags == ["support", "faq"])
            #expect(partial.bots.first?.scope == "key:GPT_STRING")
            #expect((partial.bots + complete.bots).allSatisfy { JSONPrintsTests.sameAsWalk($0.fields, $0.fieldsPrint) })
            #expect(partial.status.problems.count == 1)
            let problem = try #require(partial.status.problems.first)
            #expect(problem.hasPrefix("source assist, key $GPT_REVOKED: "))
            #expect(problem.contains("40127"))
            #expect(problem.contains("put a current API key in GPT_REVOKED"))
            #expect(!problem.contains("gpt-key-revoked"))
            #expect(partial.deletedScopes.isEmpty)

            #expect(complete.status.state == .complete)
            #expect(complete.status.problems.isEmpty)
            #expect(complete.deletedScopes == ["key:GPT_DELETED"])
            #expect(complete.bots.map(\.id) == ["645dd86606931c4a9e0f0002"])
            #expect(complete.bots.first?.tags == ["support", "triage"])
            #expect(complete.bots.first?.platform == .gptbots)

            // One request per key, a rejected key is not retried, each with its own key.
            let requests = server.requests
            #expect(requests.count == 4)
            #expect(requests.allSatisfy { $0.normalizedPath == "/gptbots/v1/bot/detail" })
            #expect(Set(requests.compactMap(\.authorization)) == Set(environment.values.map { "Bearer \($0)" }))
        }
    }

    // MARK: - Secrets

    @Test("secrets never reach a problem line, an event or a log line, even when the server echoes them")
    func secretsStayOut() async throws {
        let token = "tok-SECRET-8d41f0c9e2b7"
        let key = "gptkey-SECRET-55aa17c3e9"
        let echo = #"{"code":403,"message":"token \#(token) is not a member"}"#
        let world = MockWorld(
            unltdToken: token,
            organizations: [Self.organization("org_a", bots: 0..<12), Self.organization("org_echo", bots: 12..<14)],
            gptbotsKeys: [key: .authFailed]
        )
        let faults = [
            MockFault(path: "/unltd/v1/organizations/org_echo/bots", times: .max, action: .status(403, body: echo)),
            MockFault(path: "/unltd/v1/organizations/org_a/bots", page: 2, times: 1, action: .status(500)),
        ]
        let events = Recorder<FetchEvent>()
        // The fetch stage reports through events and logs nothing today; a trace-level handler
        // catches any log line added later.
        let lines = Recorder<String>()
        var logger = Logger(label: "botcatalog.tests.fetch") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace

        try await Self.withServer(world, faults: faults) { server in
            let unltd = Self.unltd(server, organizations: ["org_a", "org_echo"], pageSize: 5)
            let gptbots = SourceConfig(name: "assist", platform: .gptbots, url: server.gptbotsURL, keysEnv: ["GPT_KEY"],
                                       retries: 1, retryDelay: 0.01)
            let fetches = try await Self.fetch([unltd, gptbots], environment: ["ACME_TOKEN": token, "GPT_KEY": key],
                                               events: events.append, logger: logger)

            // The secrets did travel, in the Authorization header only.
            #expect(server.requests.contains { $0.authorization == "Bearer \(token)" })
            #expect(server.requests.contains { $0.authorization == "Bearer \(key)" })
            #expect(server.requests.allSatisfy { !$0.path.contains(token) && !$0.query.values.contains(token) })

            let problems = fetches.flatMap(\.status.problems)
            #expect(problems.count == 2)
            #expect(problems.contains { $0.contains("organization org_echo") && $0.contains("***") })
            let eventTexts = events.values.map { String(describing: $0) }
            #expect(!eventTexts.isEmpty)
            for text in problems + eventTexts + lines.values {
                #expect(!text.contains(token), "\(text)")
                #expect(!text.contains(key), "\(text)")
            }
        }
    }
}

// MARK: - Helpers

extension FetchTests {
    /// Runs `body` against a started server and always stops it.
    static func withServer<T>(
        _ world: MockWorld,
        rateLimit: MockRateLimit? = nil,
        faults: [MockFault] = [],
        _ body: (MockAPIServer) async throws -> T
    ) async throws -> T {
        let server = MockAPIServer(world: world, rateLimit: rateLimit, faults: faults)
        _ = try await server.start()
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    /// An unltd source `acme` pointing at the server, with short delays for tests.
    static func unltd(
        _ server: MockAPIServer,
        includePublic: Bool = false,
        organizations: [String] = [],
        pageSize: Int,
        rateLimit: RateLimit? = nil,
        timeout: Double = 5,
        retries: Int = 2
    ) -> SourceConfig {
        SourceConfig(name: "acme", platform: .unltd, url: server.unltdURL, tokenEnv: "ACME_TOKEN",
                     includePublic: includePublic, organizations: organizations, pageSize: pageSize,
                     rateLimit: rateLimit, connectTimeout: timeout, timeout: timeout, retries: retries, retryDelay: 0.01)
    }

    /// Fetches `sources` with credentials read from `environment`, as a run does.
    static func fetch(
        _ sources: [SourceConfig],
        environment: [String: String],
        events: @escaping FetchEventSink = { _ in },
        logger: Logger = quietLogger
    ) async throws -> [SourceFetch] {
        let config = CatalogConfig(output: "/nonexistent/site", state: "/nonexistent/state", sources: sources)
        let credentials = try Credentials.resolve(config, file: "fetch-tests.yml", environment: environment)
        return await CatalogFetcher(config: config, credentials: credentials, events: events, logger: logger).fetchAll()
    }

    /// Fetches the one unltd source `acme` with `token` in `ACME_TOKEN`.
    static func fetchOne(
        _ source: SourceConfig,
        token: String = FetchTests.token,
        events: @escaping FetchEventSink = { _ in }
    ) async throws -> SourceFetch {
        let fetches = try await fetch([source], environment: ["ACME_TOKEN": token], events: events)
        #expect(fetches.count == 1)
        return try #require(fetches.first)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "botcatalog.tests.fetch")
        logger.logLevel = .critical
        return logger
    }

    static func id(_ number: Int) -> String {
        "bot" + String(repeating: "0", count: max(0, 5 - String(number).count)) + String(number)
    }

    static func ids(_ numbers: Range<Int>) -> [String] {
        numbers.map(id)
    }

    /// An unltd bot as the seed shows one; ids sort in number order.
    static func bot(_ number: Int) -> MockJSON {
        [
            "id": .string(id(number)),
            "name": .string("Test Bot \(number)"),
            "slug": .string("test_bot_\(number)"),
            "modelKey": "gpt-4o-mini",
            "creditCost": 100,
            "applyToApi": true,
            "inputs": [],
            "tags": ["test"],
            "description": .string("Bot number \(number)."),
        ]
    }

    static func organization(_ id: String, bots numbers: Range<Int>) -> MockOrganization {
        MockOrganization(id: id, name: id.uppercased(), bots: numbers.map { bot($0) })
    }

    static func gptbotsBot(_ id: String, tags: MockJSON) -> MockJSON {
        [
            "bot_id": .string(id),
            "name": .string("Assistant \(id.suffix(4))"),
            "bot_type": "QuestionAnswer",
            "introduction": "Answers questions.",
            "tags": tags,
            "ai_model": "ChatGPT",
            "ai_model_version": "3.5",
        ]
    }

    /// Pages a listing of `count` bots needs at `size` per page (an empty list is still one request).
    static func pages(_ count: Int, _ size: Int) -> Int {
        max(1, (count + size - 1) / size)
    }

    /// The pages asked for of one organization's listing, in order of number.
    static func pagesRequested(_ requests: [MockRequest], organization: String) -> [Int] {
        requests.filter { $0.normalizedPath == "/unltd/v1/organizations/\(organization)/bots" }.map(\.page).sorted()
    }

    static func expectBearer(_ requests: [MockRequest], _ token: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!requests.isEmpty, sourceLocation: sourceLocation)
        #expect(requests.allSatisfy { $0.authorization == "Bearer \(token)" }, sourceLocation: sourceLocation)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Values appended from any thread: events from the sink, lines from the log handler.
    final class Recorder<Value: Sendable>: @unchecked Sendable {
        // Safe because `storage` is only touched while `lock` is held.
        private let lock = NSLock()
        private var storage: [Value] = []

        func append(_ value: Value) {
            lock.lock()
            defer { lock.unlock() }
            storage.append(value)
        }

        var values: [Value] {
            lock.lock()
            defer { lock.unlock() }
            return storage
        }
    }

    /// Keeps every log line, metadata included, so a test can search them.
    struct CapturingLogHandler: LogHandler {
        let lines: Recorder<String>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.append("\(event.level) \(event.message) \(merged)")
        }
    }

    /// A loopback port that refuses connections: bound but never listening, so no other
    /// test's server can take it while this one expects nobody there.
    final class RefusingPort {
        let port: Int
        private let descriptor: Int32

        init() throws {
            #if canImport(Glibc)
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
                let fd = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            guard fd >= 0 else { throw POSIXError(.EBADF) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
                }
            }
            guard bound else {
                close(fd)
                throw POSIXError(.EADDRNOTAVAIL)
            }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }
}
