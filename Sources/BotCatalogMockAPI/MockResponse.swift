import NIOHTTP1

/// A complete answer before it is written: status, extra headers and body bytes.
///
/// `Content-Type`, `Content-Length` and `Connection` are added by the HTTP handler,
/// which alone knows how much of the body it will really send.
struct MockResponse: Sendable, Equatable {
    var status: Int
    var headers: [Header] = []
    var body: [UInt8]

    struct Header: Sendable, Equatable {
        var name: String
        var value: String
    }

    static func json(_ value: MockJSON, status: Int = 200) -> MockResponse {
        MockResponse(status: status, body: value.serializedBytes())
    }

    /// The `{"code":N,"message":"..."}` shape both seed APIs use for failures.
    static func error(status: Int, code: Int? = nil, message: String) -> MockResponse {
        json(["code": .int(code ?? status), "message": .string(message)], status: status)
    }

    /// An error body whose message is the status' standard reason phrase.
    static func error(status: Int) -> MockResponse {
        error(status: status, message: HTTPResponseStatus(statusCode: status).reasonPhrase)
    }

    static let unauthenticated = error(status: 401, message: "Please authenticate")
    static let notFound = error(status: 404, message: "Not found")
    static let methodNotAllowed = MockResponse(
        status: 405,
        headers: [Header(name: "Allow", value: "GET")],
        body: error(status: 405, message: "Method not allowed").body
    )
    static let developerAuthenticationFailed = error(
        status: 401, code: 40127, message: "Developer authentication failed")
    static let botDeleted = error(status: 200, code: 20059, message: "Bot deleted")

    static func tooManyRequests(retryAfter: String) -> MockResponse {
        MockResponse(
            status: 429,
            headers: [Header(name: "Retry-After", value: retryAfter)],
            body: error(status: 429, message: "Too many requests").body
        )
    }

    /// Looks like the start of a page, then stops: no JSON parser accepts it.
    static let invalidJSON = MockResponse(status: 200, body: Array(#"{"results":[{"id":"#.utf8))
}
