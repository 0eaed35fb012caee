import Foundation
import Testing

@testable import BotCatalogMockAPI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The mock of the unltd and GPTBots APIs, specified over real loopback HTTP with a
/// raw socket client, so truncated bodies and resets are seen byte for byte.
@Suite("Mock API server")
struct MockAPIServerTests {
    let token = MockDemo.unltdToken

    // MARK: - Pagination

    @Test("pages follow the paginate plugin: page/limit defaults, totals, past-the-end pages")
    func publicPagination() async throws {
        try await withServer(.demo(day: 1)) { _, port in
            let first = try get(port, "/unltd/v1/bots/?page=1&limit=2", token: token)
            #expect(first.status == 200)
            #expect(first.headers["content-type"] == "application/json; charset=utf-8")
            let page = first.object
            #expect(page["page"] as? Int == 1)
            #expect(page["limit"] as? Int == 2)
            #expect(page["totalPages"] as? Int == 3)
            #expect(page["totalResults"] as? Int == 5)
            #expect(first.results.map { $0["slug"] as? String } == ["support_triage", "grammar_coach"])

            let last = try get(port, "/unltd/v1/bots/?page=3&limit=2", token: token)
            #expect(last.results.count == 1)

            let pastEnd = try get(port, "/unltd/v1/bots/?page=4&limit=2", token: token)
            #expect(pastEnd.status == 200)
            #expect(pastEnd.results.isEmpty)
            #expect(pastEnd.object["page"] as? Int == 4)

            let defaults = try get(port, "/unltd/v1/bots/", token: token)
            #expect(defaults.object["page"] as? Int == 1)
            #expect(defaults.object["limit"] as? Int == 10)
            #expect(defaults.results.count == 5)

            let invalid = try get(port, "/unltd/v1/bots/?page=0&limit=-3", token: token)
            #expect(invalid.object["page"] as? Int == 1)
            #expect(invalid.object["limit"] as? Int == 10)
        }
    }

    @Test("limit is clamped to maxPageSize and the response says so")
    func limitClamping() async throws {
        var world = MockWorld.synthetic(bots: 25, organizations: 1)
        world.maxPageSize = 10
        world.defaultPageSize = 4
        try await withServer(world) { _, port in
            let clamped = try get(port, "/unltd/v1/organizations/org_0001/bots/?limit=1000", token: world.unltdToken)
            #expect(clamped.object["limit"] as? Int == 10)
            #expect(clamped.object["totalPages"] as? Int == 3)
            #expect(clamped.results.count == 10)

            let defaulted = try get(port, "/unltd/v1/organizations/org_0001/bots/", token: world.unltdToken)
            #expect(defaulted.object["limit"] as? Int == 4)
            #expect(defaulted.object["totalPages"] as? Int == 7)
        }
    }

    @Test("an empty list has zero pages")
    func emptyList() async throws {
        try await withServer(MockWorld(unltdToken: "t")) { _, port in
            let page = try get(port, "/unltd/v1/bots/", token: "t")
            #expect(page.body == Array(#"{"limit":10,"page":1,"results":[],"totalPages":0,"totalResults":0}"#.utf8))
        }
    }

    @Test("name filters exactly and sortBy sorts; other filters are ignored")
    func filtersAndSorting() async throws {
        try await withServer(.demo(day: 1)) { _, port in
            let named = try get(port, "/unltd/v1/bots/?name=Travel%20Planner&custom=true&tags=a,b", token: token)
            #expect(named.results.map { $0["slug"] as? String } == ["travel_planner"])

            let byName = try get(port, "/unltd/v1/bots/?sortBy=name:desc", token: token)
            #expect(byName.results.compactMap { $0["name"] as? String }
                == ["Travel Planner", "Support Triage", "SQL Explainer", "Lead Qualifier", "Grammar Coach"])

            let byCost = try get(port, "/unltd/v1/bots/?sortBy=creditCost:asc", token: token)
            #expect(byCost.results.compactMap { $0["creditCost"] as? Int } == [5, 40, 50, 80, 90])
        }
    }

    // MARK: - Routes

    @Test(
        "doubled and trailing slashes are forgiven, like the seed's /v1//bots/",
        arguments: ["/unltd/v1//bots/", "/unltd/v1/bots", "/unltd//v1//bots//", "/unltd/v1/bots/"])
    func slashes(path: String) async throws {
        try await withServer(.demo(day: 1)) { _, port in
            let page = try get(port, path, token: token)
            #expect(page.object["totalResults"] as? Int == 5)
        }
    }

    @Test("unltd routes need the Bearer token")
    func unltdAuthentication() async throws {
        try await withServer(.demo(day: 1)) { _, port in
            for authorization in [nil, "Bearer wrong", "demo-unltd-token", "Basic demo-unltd-token"] {
                let response = try get(port, "/unltd/v1/bots/", authorization: authorization)
                #expect(response.status == 401)
                #expect(response.text == #"{"code":401,"message":"Please authenticate"}"#)
            }
            #expect(try get(port, "/unltd/v1/bots/", authorization: "bearer demo-unltd-token").status == 200)
        }
    }

    @Test("a single public bot by slug is the bare object; an unknown slug is 404")
    func singlePublicBot() async throws {
        let world = MockWorld.demo(day: 1)
        try await withServer(world) { _, port in
            let bot = try get(port, "/unltd/v1//bots/grammar_coach/", token: token)
            #expect(bot.status == 200)
            #expect(bot.text == world.publicBots[1].serialized())

            let missing = try get(port, "/unltd/v1/bots/no_such_bot", token: token)
            #expect(missing.status == 404)
            #expect(missing.text == #"{"code":404,"message":"Bot not found"}"#)
        }
    }

    @Test("organization bots carry organizationId; unknown organizations are 404")
    func organizationBots() async throws {
        try await withServer(.demo(day: 1)) { _, port in
            let page = try get(port, "/unltd/v1/organizations/org_sales/bots/", token: token)
            #expect(page.object["totalResults"] as? Int == 5)
            #expect(page.results.allSatisfy { $0["organizationId"] as? String == "org_sales" })

            let unknown = try get(port, "/unltd/v1/organizations/org_nope/bots/", token: token)
            #expect(unknown.status == 404)
            #expect(unknown.text == #"{"code":404,"message":"Organization not found"}"#)
        }
    }

    @Test("a single organization bot is wrapped as {bot, organization}, as the seed shows")
    func singleOrganizationBot() async throws {
        let world = MockWorld.demo(day: 1)
        try await withServer(world) { _, port in
            let response = try get(port, "/unltd/v1/organizations/org_research/bots/paper_summarizer/", token: token)
            let expected: MockJSON = [
                "bot": world.organizations[2].bots[0],
                "organization": ["id": "org_research", "name": "Research"],
            ]
            #expect(response.text == expected.serialized())
            #expect(try get(port, "/unltd/v1/organizations/org_research/bots/grammar_coach", token: token).status == 404)
        }
    }

    @Test("GPTBots /bot/detail answers per API key: the bot, 'Bot deleted', or 40127")
    func gptbotsDetail() async throws {
        try await withServer(.demo(day: 2)) { _, port in
            let bot = try get(port, "/gptbots/v1/bot/detail", token: MockDemo.gptbotsSupportKey)
            #expect(bot.status == 200)
            #expect(bot.object["bot_id"] as? String == "645dd86606931c4a9e0f0001")
            #expect(bot.object["tags"] is [Any])

            let deleted = try get(port, "/gptbots/v1/bot/detail", token: MockDemo.gptbotsSalesKey)
            #expect(deleted.status == 200)
            #expect(deleted.text == #"{"code":20059,"message":"Bot deleted"}"#)

            for key in ["unknown-key", nil] {
                let failed = try get(port, "/gptbots/v1/bot/detail", token: key)
                #expect(failed.status == 401)
                #expect(failed.text == #"{"code":40127,"message":"Developer authentication failed"}"#)
            }
        }
    }

    @Test("other methods are 405 and unknown paths 404")
    func methodsAndUnknownPaths() async throws {
        try await withServer(.demo(day: 1)) { _, port in
            let post = try request(port, "POST", "/unltd/v1/bots/", authorization: "Bearer \(token)")
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET")
            #expect(post.text == #"{"code":405,"message":"Method not allowed"}"#)
            #expect(try get(port, "/unltd/v2/bots/", token: token).status == 404)
            #expect(try get(port, "/", token: token).status == 404)
        }
    }

    @Test("keep-alive connections serve several requests")
    func keepAlive() async throws {
        try await withServer(.demo(day: 1)) { server, port in
            let connection = try RawConnection(port: port)
            for page in 1...3 {
                try connection.send("GET", "/unltd/v1/bots/?limit=2&page=\(page)", headers: ["Authorization": "Bearer \(token)"])
                let response = try connection.readResponse()
                #expect(response.status == 200)
                #expect(response.headers["connection"] == "keep-alive")
            }
            #expect(server.requests.map(\.page) == [1, 2, 3])
        }
    }

    // MARK: - Rate limits

    @Test("more than `requests` per window answers 429 with Retry-After in seconds")
    func rateLimit() async throws {
        let limit = MockRateLimit(requests: 2, per: .seconds(60))
        try await withServer(.demo(day: 1), rateLimit: limit) { server, port in
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
            let refused = try get(port, "/unltd/v1/bots/", token: token)
            #expect(refused.status == 429)
            #expect(refused.text == #"{"code":429,"message":"Too many requests"}"#)
            let retryAfter = try #require(refused.headers["retry-after"].flatMap { Int($0) })
            #expect((59...60).contains(retryAfter))

            // GPTBots has a window of its own.
            #expect(try get(port, "/gptbots/v1/bot/detail", token: MockDemo.gptbotsSupportKey).status == 200)
            #expect(server.requests.map(\.status) == [200, 200, 429, 200])

            server.setRateLimit(nil)
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
        }
    }

    @Test("refused requests do not extend the window")
    func refusedRequestsDoNotCount() async throws {
        let limit = MockRateLimit(requests: 1, per: .milliseconds(300))
        try await withServer(.demo(day: 1), rateLimit: limit) { _, port in
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
            for _ in 0..<3 {
                let refused = try get(port, "/unltd/v1/bots/", token: token)
                #expect(refused.status == 429)
                #expect(refused.headers["retry-after"] == "1")  // rounded up, at least 1
            }
            try await Task.sleep(for: .milliseconds(350))
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
        }
    }

    @Test("Retry-After can be an HTTP-date")
    func retryAfterHTTPDate() async throws {
        let limit = MockRateLimit(requests: 0, per: .seconds(10), retryAfterAsHTTPDate: true)
        try await withServer(.demo(day: 1), rateLimit: limit) { _, port in
            let refused = try get(port, "/gptbots/v1/bot/detail", token: MockDemo.gptbotsSupportKey)
            #expect(refused.status == 429)
            let value = try #require(refused.headers["retry-after"])
            #expect(value.hasSuffix(" GMT"))
            #expect(value.count == "Sun, 06 Nov 1994 08:49:37 GMT".count)
        }
    }

    @Test("a 429 fault can give Retry-After as the HTTP-date a wait after it refuses, worked out then")
    func retryAfterHTTPDateFault() async throws {
        let fault = MockFault(path: "/unltd/v1/bots", times: 1, action: .tooManyRequestsUntil(.seconds(1)))
        try await withServer(.demo(day: 1), faults: [fault]) { _, port in
            let before = Date()
            let refused = try get(port, "/unltd/v1/bots/", token: token)
            let after = Date()
            #expect(refused.status == 429)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            let date = try #require(refused.headers["retry-after"].flatMap(formatter.date(from:)))
            // A second after the refusal, rounded up to the whole second: never sooner, at most
            // a second later, however long the request took.
            #expect(date.timeIntervalSince(before) >= 1)
            #expect(date.timeIntervalSince(after) <= 2)
            #expect(try get(port, "/unltd/v1/bots/", token: token).status == 200)
        }
    }

    @Test("HTTP-dates are IMF-fixdate whatever the locale")
    func httpDateFormat() {
        #expect(RetryAfter.httpDate(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(RetryAfter.httpDate(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(RetryAfter.seconds(for: .milliseconds(1)) == 1)
        #expect(RetryAfter.seconds(for: .milliseconds(2001)) == 3)
    }

    // MARK: - Faults

    @Test("a status fault fires `times` times, then the route answers again")
    func statusFault() async throws {
        let fault = MockFault(path: "/unltd/v1/bots", times: 2, action: .status(503))
        try await withServer(.demo(day: 1), faults: [fault]) { server, port in
            let failed = try get(port, "/unltd/v1//bots/", token: token)
            #expect(failed.status == 503)
            #expect(failed.text == #"{"code":503,"message":"Service Unavailable"}"#)
            #expect(try get(port, "/unltd/v1/bots", token: token).status == 503)
            #expect(try get(port, "/unltd/v1/bots", token: token).status == 200)

            server.setFaults([MockFault(path: "/unltd/v1/bots", action: .status(500, body: "oops"))])
            #expect(try get(port, "/unltd/v1/bots", token: token).text == "oops")
        }
    }

    @Test("faults can target one page and a path prefix")
    func pageAndPrefixFaults() async throws {
        let faults = [
            MockFault(path: "/unltd/v1/organizations/*", page: 2, times: .max, action: .tooManyRequests(retryAfter: "soon")),
            MockFault(path: "/gptbots/*", action: .invalidJSON),
        ]
        try await withServer(.demo(day: 1), faults: faults) { _, port in
            #expect(try get(port, "/unltd/v1/organizations/org_sales/bots/?limit=2", token: token).status == 200)
            for _ in 0..<3 {
                let limited = try get(port, "/unltd/v1/organizations/org_sales/bots/?limit=2&page=2", token: token)
                #expect(limited.status == 429)
                #expect(limited.headers["retry-after"] == "soon")
            }
            let broken = try get(port, "/gptbots/v1/bot/detail", token: MockDemo.gptbotsSupportKey)
            #expect(broken.status == 200)
            #expect((try? JSONSerialization.jsonObject(with: Data(broken.body))) == nil)
        }
    }

    @Test("random faults replay identically for the same seed")
    func probabilisticFaults() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let fault = MockFault(path: "/unltd/*", times: .max, probability: 0.3, action: .status(500))
            var observed: [Int] = []
            try await withServer(.demo(day: 1), faults: [fault], faultSeed: seed) { _, port in
                for _ in 0..<40 { observed.append(try get(port, "/unltd/v1/bots/", token: token).status) }
            }
            return observed
        }
        let first = try await statuses(seed: 7)
        #expect(try await statuses(seed: 7) == first)
        #expect(try await statuses(seed: 8) != first)
        #expect((4...20).contains(first.filter { $0 == 500 }.count))
    }

    @Test("truncate declares the full Content-Length, sends half the body, and closes")
    func truncateFault() async throws {
        let world = MockWorld.demo(day: 1)
        try await withServer(world, faults: [MockFault(path: "/unltd/v1/bots/sql_explainer", action: .truncate)]) { server, port in
            let connection = try RawConnection(port: port)
            try connection.send("GET", "/unltd/v1/bots/sql_explainer/", headers: ["Authorization": "Bearer \(token)"])
            let response = try connection.readResponse()
            let fullLength = world.publicBots[4].serializedBytes().count
            #expect(response.status == 200)
            #expect(response.declaredLength == fullLength)
            #expect(response.body.count == fullLength / 2)
            #expect(response.closedEarly)
            #expect(server.requests.last?.status == 200)
        }
    }

    @Test("reset closes without a response")
    func resetFault() async throws {
        try await withServer(.demo(day: 1), faults: [MockFault(path: "/unltd/*", action: .reset)]) { server, port in
            #expect(throws: RawHTTPError.closedWithoutResponse) {
                try get(port, "/unltd/v1/bots/", token: token)
            }
            #expect(server.requests.map(\.status) == [0])
            let next = try get(port, "/unltd/v1/bots/", token: token)
            #expect(next.status == 200)
        }
    }

    @Test("hang never answers, and stop() closes the hung connection")
    func hangFault() async throws {
        let server = MockAPIServer(world: .demo(day: 1), faults: [MockFault(path: "/unltd/*", action: .hang)])
        let port = try await server.start()
        let connection = try RawConnection(port: port, timeout: .milliseconds(300))
        try connection.send("GET", "/unltd/v1/bots/", headers: ["Authorization": "Bearer \(token)"])
        #expect(throws: RawHTTPError.timedOut) { try connection.readResponse() }

        // stop() returns although a connection hangs, and that connection is closed by then
        // (no upper bound on time here: tests never assert on wall-clock time).
        try await server.stop()
        connection.setTimeout(.seconds(30))
        #expect(throws: RawHTTPError.closedWithoutResponse) { try connection.readResponse() }
        #expect(server.requests.map(\.status) == [0])
        #expect(server.port == nil)
    }

    @Test("delay answers normally, later")
    func delayFault() async throws {
        let fault = MockFault(path: "/unltd/v1/bots", action: .delay(.milliseconds(250)))
        try await withServer(.demo(day: 1), faults: [fault]) { _, port in
            let clock = ContinuousClock()
            var status = 0
            let elapsed = try clock.measure { status = try get(port, "/unltd/v1/bots/", token: token).status }
            #expect(status == 200)
            #expect(elapsed >= .milliseconds(250))
        }
    }

    @Test("mutateWorld answers, then shifts the list under a paging client")
    func mutateWorldFault() async throws {
        let world = MockWorld.synthetic(bots: 6, organizations: 1)
        let insertFirst = MockFault(path: "/unltd/v1/organizations/org_0001/bots", page: 1, action: .mutateWorld { world in
            world.organizations[0].bots.insert(["id": "new", "slug": "new", "name": "New"], at: 0)
        })
        try await withServer(world, faults: [insertFirst]) { server, port in
            let base = "/unltd/v1/organizations/org_0001/bots/?limit=3"
            let first = try get(port, base + "&page=1", token: world.unltdToken)
            #expect(first.object["totalResults"] as? Int == 6)
            let second = try get(port, base + "&page=2", token: world.unltdToken)
            #expect(second.object["totalResults"] as? Int == 7)
            // The last bot of page 1 was pushed onto page 2 and is seen twice.
            #expect(second.results.first?["id"] as? String == first.results.last?["id"] as? String)
            #expect(second.results.first?["organizationId"] as? String == "org_0001")
            #expect(server.world.organizations[0].bots.count == 7)
        }
    }

    @Test("concurrent clients under random faults are all answered or cut off, and all logged")
    func concurrentLoad() async throws {
        let world = MockWorld.synthetic(bots: 500, organizations: 5, seed: 3)
        let faults = [
            MockFault(path: "/unltd/*", times: .max, probability: 0.1, action: .reset),
            MockFault(path: "/unltd/*", times: .max, probability: 0.1, action: .truncate),
            MockFault(path: "/unltd/*", times: .max, probability: 0.1, action: .status(503)),
        ]
        try await withServer(world, faults: faults) { server, port in
            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        try (1...25).map { request in
                            let target = "/unltd/v1/organizations/org_000\(client % 5 + 1)/bots/?limit=20&page=\(request % 6)"
                            do {
                                let response = try self.get(port, target, token: world.unltdToken)
                                return response.closedEarly ? "truncated" : String(response.status)
                            } catch RawHTTPError.closedWithoutResponse {
                                return "reset"
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(outcomes.count == 200)
            #expect(server.requests.count == 200)
            #expect(Set(outcomes).isSubset(of: ["200", "503", "reset", "truncated"]))
            #expect(outcomes.filter { $0 == "200" }.count > 100)
        }
    }

    @Test("the log keeps every request in order with its raw path, query and answer")
    func requestLog() async throws {
        try await withServer(.demo(day: 1)) { server, port in
            _ = try get(port, "/unltd/v1//bots/?page=2&limit=1", token: token)
            _ = try get(port, "/gptbots/v1/bot/detail", token: nil)
            let log = server.requests
            #expect(log.map(\.path) == ["/unltd/v1//bots/", "/gptbots/v1/bot/detail"])
            #expect(log.map(\.normalizedPath) == ["/unltd/v1/bots", "/gptbots/v1/bot/detail"])
            #expect(log[0].query == ["page": "2", "limit": "1"])
            #expect(log[0].authorization == "Bearer \(token)")
            #expect(log.map(\.status) == [200, 401])
            #expect(log[0].receivedAt <= log[1].receivedAt)
            server.resetLog()
            #expect(server.requests.isEmpty)
        }
    }

    @Test("the server reports its URLs and refuses a second start")
    func lifecycle() async throws {
        let server = MockAPIServer(world: .demo(day: 1))
        let port = try await server.start()
        #expect(server.port == port)
        #expect(server.unltdURL == "http://127.0.0.1:\(port)/unltd/v1")
        #expect(server.gptbotsURL == "http://127.0.0.1:\(port)/gptbots/v1")
        await #expect(throws: MockAPIServerError.alreadyStarted) { _ = try await server.start() }
        server.setWorld(.demo(day: 2))
        #expect(try get(port, "/unltd/v1/organizations/org_sales/bots/quote_explainer", token: token).status == 200)
        try await server.stop()
        try await server.stop()
        #expect(server.port == nil)
    }

    // MARK: - Data

    @Test("JSON is compact, key-sorted and escaped")
    func jsonSerialization() {
        let value: MockJSON = [
            "b": [1, 2.5, true, nil],
            "a": "quote \" backslash \\ newline \n tab \t bell \u{07} é ☕",
            "c": ["z": 0, "y": -1],
        ]
        #expect(
            value.serialized()
                == #"{"a":"quote \" backslash \\ newline \n tab \t bell \u0007 é ☕","b":[1,2.5,true,null],"c":{"y":-1,"z":0}}"#
        )
        #expect(MockJSON.double(.nan).serialized() == "null")
    }

    @Test("demo day 2 differs from day 1 exactly as documented")
    func demoDifferences() throws {
        let day1 = MockWorld.demo(day: 1)
        let day2 = MockWorld.demo(day: 2)
        let changes = MockDemo.day2Changes

        func botsByID(_ world: MockWorld) -> [String: (org: String?, bot: MockJSON)] {
            var result: [String: (org: String?, bot: MockJSON)] = [:]
            for bot in world.publicBots { result[bot["id"]?.stringValue ?? ""] = (nil, bot) }
            for org in world.organizations {
                for bot in org.bots { result[bot["id"]?.stringValue ?? ""] = (org.id, bot) }
            }
            return result
        }
        let before = botsByID(day1)
        let after = botsByID(day2)
        #expect(Set(after.keys).subtracting(before.keys) == Set(changes.addedBotIDs))
        #expect(Set(before.keys).subtracting(after.keys) == Set(changes.removedBotIDs))

        let differing = Set(before.keys).intersection(after.keys).filter { before[$0]?.bot != after[$0]?.bot }
        #expect(differing == Set(changes.changedBotIDs + [changes.renamed.botID, changes.moved.botID]))

        let renamed = try #require(after[changes.renamed.botID]?.bot)
        #expect(renamed["name"]?.stringValue == changes.renamed.newName)
        #expect(renamed["slug"]?.stringValue == changes.renamed.newSlug)
        #expect(before[changes.renamed.botID]?.bot["slug"]?.stringValue == changes.renamed.oldSlug)
        #expect(before[changes.moved.botID]?.org == changes.moved.fromOrganizationID)
        #expect(after[changes.moved.botID]?.org == changes.moved.toOrganizationID)
        #expect(day2.gptbotsKeys[changes.deletedGPTBotsKey] == .deleted)
        #expect(day1.publicBots == day2.publicBots)

        let drafter = try #require(after["665f1c2ab9e4d3a0c1b20007"]?.bot)
        #expect(drafter["modelKey"] == "gpt-4o")
        #expect(drafter["creditCost"] == 250)
        #expect(drafter["inputs"]?.arrayValue?[1]["type"] == "textarea")
    }

    @Test("demo data has the seed's quirks and a hostile description")
    func demoQuirks() throws {
        let world = MockWorld.demo(day: 1)
        let all = world.allUnltdBots
        #expect(all.contains { $0["tags"]?.stringValue == "support, faq" })
        #expect(all.contains { $0["temperature"] == 0.2 })
        let hostile = try #require(all.first { $0["id"]?.stringValue == MockDemo.hostileBotID })
        let description = try #require(hostile["description"]?.stringValue)
        #expect(description.contains("<script>alert(1)</script>"))
        #expect(description.contains("](javascript:alert(1))"))
        for bot in all {
            #expect(bot["id"]?.stringValue?.count == 24)
            #expect(bot["description"]?.stringValue?.contains("](https://") == true)
        }
        let shared = Set(world.publicBots.compactMap { $0["id"]?.stringValue })
            .intersection(world.organizations.flatMap(\.bots).compactMap { $0["id"]?.stringValue })
        #expect(shared.count == 2)
    }

    @Test("synthetic worlds are deterministic, unique, and change the requested fraction")
    func syntheticWorld() throws {
        let base = MockWorld.synthetic(bots: 1_000, organizations: 7, publicBots: 50, gptbotsKeys: 3, seed: 9)
        #expect(base == MockWorld.synthetic(bots: 1_000, organizations: 7, publicBots: 50, gptbotsKeys: 3, seed: 9))
        #expect(base != MockWorld.synthetic(bots: 1_000, organizations: 7, publicBots: 50, gptbotsKeys: 3, seed: 10))
        #expect(base.organizations.map(\.id).first == "org_0001")
        #expect(base.organizations.flatMap(\.bots).count == 1_000)
        #expect(base.publicBots.count == 50)
        #expect(base.gptbotsKeys.count == 3)

        let all = base.allUnltdBots
        #expect(Set(all.compactMap { $0["id"]?.stringValue }).count == 1_050)
        #expect(Set(all.compactMap { $0["slug"]?.stringValue }).count == 1_050)
        let sizes = all.compactMap { $0["description"]?.stringValue?.utf8.count }
        #expect(sizes.allSatisfy { (800...2_000).contains($0) })

        let next = MockWorld.synthetic(
            bots: 1_000, organizations: 7, publicBots: 50, gptbotsKeys: 3, seed: 9, changedFraction: 0.01)
        let changed = zip(all, next.allUnltdBots).filter { pair in pair.0 != pair.1 }
        #expect(changed.count == 11)  // 1% of 1,050, rounded
        for (old, new) in changed {
            #expect(old["id"] == new["id"])
            #expect(old["slug"] == new["slug"])
        }
    }

    // MARK: - Helpers

    /// Runs `body` against a started server and always stops it.
    private func withServer(
        _ world: MockWorld,
        rateLimit: MockRateLimit? = nil,
        faults: [MockFault] = [],
        faultSeed: UInt64 = 42,
        _ body: (MockAPIServer, Int) async throws -> Void
    ) async throws {
        let server = MockAPIServer(world: world, rateLimit: rateLimit, faults: faults, faultSeed: faultSeed)
        let port = try await server.start()
        do {
            try await body(server, port)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    private func get(_ port: Int, _ target: String, token: String?) throws -> RawResponse {
        try request(port, "GET", target, authorization: token.map { "Bearer \($0)" })
    }

    private func get(_ port: Int, _ target: String, authorization: String?) throws -> RawResponse {
        try request(port, "GET", target, authorization: authorization)
    }

    private func request(_ port: Int, _ method: String, _ target: String, authorization: String?) throws -> RawResponse {
        let connection = try RawConnection(port: port)
        var headers = ["Connection": "close"]
        headers["Authorization"] = authorization
        try connection.send(method, target, headers: headers)
        return try connection.readResponse()
    }
}

// MARK: - A raw HTTP/1.1 client

private enum RawHTTPError: Error, Equatable {
    case socket(Int32)
    case closedWithoutResponse
    case timedOut
    case malformed
}

private struct RawResponse {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]
    var declaredLength: Int?
    /// The connection closed before `Content-Length` bytes arrived.
    var closedEarly: Bool

    var text: String { String(decoding: body, as: UTF8.self) }
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
    var results: [[String: Any]] { object["results"] as? [[String: Any]] ?? [] }
}

/// Blocking loopback socket with a receive timeout: simple, and it shows exactly what
/// went over the wire, which URLSession would hide.
private final class RawConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeout: Duration = .seconds(5)) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw RawHTTPError.socket(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw RawHTTPError.socket(errno)
        }
        setTimeout(timeout)
    }

    deinit { close(descriptor) }

    func setTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: .init(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ method: String, _ target: String, headers: [String: String] = [:]) throws {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: 0\r\n\r\n"
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw RawHTTPError.socket(errno) }
            sent += count
        }
    }

    func readResponse() throws -> RawResponse {
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.upperBound
            if headerEnd == nil, try !fill() {
                throw buffer.isEmpty ? RawHTTPError.closedWithoutResponse : RawHTTPError.malformed
            }
        }
        guard let headerEnd else { throw RawHTTPError.malformed }
        let lines = String(decoding: buffer[..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw RawHTTPError.malformed }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        buffer.removeFirst(headerEnd)

        let declaredLength = headers["content-length"].flatMap { Int($0) }
        let wanted = declaredLength ?? Int.max
        var closedEarly = false
        while buffer.count < wanted {
            if try !fill() {
                closedEarly = declaredLength != nil
                break
            }
        }
        let body = Array(buffer.prefix(wanted))
        buffer.removeFirst(body.count)
        return RawResponse(
            status: status, headers: headers, body: body, declaredLength: declaredLength, closedEarly: closedEarly)
    }

    /// Reads more bytes; false at end of stream (or a connection reset).
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
        if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw RawHTTPError.timedOut }
        return false
    }
}
