import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP edge of one source: GET a JSON document with the source's Bearer secret,
/// within its rate limit, retrying what is worth retrying.
///
/// Retried (exponential backoff with jitter, up to `retries`): connect and read timeouts,
/// connection resets, 5xx, truncated or invalid JSON. A 429 waits for `Retry-After` and
/// does not use up a retry (bounded separately). Other 4xx are final.
final class APIClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var json: JSONValue
        /// Made while the body was read (no walk over the bots later).
        var prints: JSONPrints
    }

    /// A final answer the caller interprets (e.g. 403 for an organization), as opposed to transport failures.
    struct HTTPStatusError: Error, Sendable {
        var status: Int
        var json: JSONValue?
    }

    let source: SourceConfig
    private let http: HTTPClient
    private let limiter: RateLimiter
    private let semaphore: AsyncSemaphore
    private let counters: FetchCounters
    private let events: FetchEventSink
    private let redactor: Redactor
    private let unreachable = UnreachableLatch()
    /// The longest `Retry-After` honoured before the listing is given up as rate limited.
    static let maxRetryAfter: Double = 900
    static let maxRateLimitedRetries = 20
    static let maxBodyBytes = 64 * 1024 * 1024

    init(source: SourceConfig, http: HTTPClient, semaphore: AsyncSemaphore, counters: FetchCounters,
         events: @escaping FetchEventSink, redactor: Redactor) {
        self.source = source
        self.http = http
        self.limiter = RateLimiter(source.rateLimit)
        self.semaphore = semaphore
        self.counters = counters
        self.events = events
        self.redactor = redactor
    }

    /// The base URL joined with `path`. A trailing slash on the base is dropped, so
    /// `https://api.unltd.ai/v1/` and the seed's `/v1//bots/` both end up as `/v1/bots/`.
    func url(_ path: String, query: [(String, String)] = []) -> String {
        var base = source.url
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        return url
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// GETs `url` and parses the body as JSON. Throws `HTTPStatusError` for final non-2xx answers
    /// and `FetchError` when retries are exhausted.
    func getJSON(_ url: String, secret: Secret, scope: String) async throws -> Response {
        // Once the host proved unreachable, the source's other listings fail at once with the
        // same line instead of each waiting out its own connect timeouts.
        if let down = await unreachable.error {
            throw FetchError(kind: .unreachable, source: source.name, scope: scope, reason: down.reason)
        }
        do {
            return try await fetchJSON(url, secret: secret, scope: scope)
        } catch let error as FetchError where error.kind == .unreachable {
            await unreachable.record(error)
            throw error
        }
    }

    private func fetchJSON(_ url: String, secret: Secret, scope: String) async throws -> Response {
        var attempt = 0
        var rateLimitedRetries = 0
        let path = Self.pathForLog(url)
        while true {
            let wait = await limiter.reserve()
            if wait > .milliseconds(1) {
                let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
                if seconds >= 1 { events(.waiting(source: source.name, seconds: seconds, reason: "rate limit \(source.rateLimit.map(String.init(describing:)) ?? "")")) }
                try await Task.sleep(for: wait)
            }
            let ticket = try await limiter.admit()
            await semaphore.wait()
            let outcome = await exchange(url, secret: secret, path: path)
            await semaphore.signal()
            await limiter.ended(ticket)

            let failure: String
            switch outcome {
            case .response(let status, let headers, let body):
                if (200..<300).contains(status) || (status >= 400 && status < 500 && status != 429) || (300..<400).contains(status) {
                    do {
                        if (200..<300).contains(status) {
                            let (json, prints) = try JSONReader.readPrinted(body)
                            return Response(status: status, json: json, prints: prints)
                        }
                        throw HTTPStatusError(status: status, json: try JSONReader.read(body))
                    } catch let error as JSONReadError {
                        if (200..<300).contains(status) {
                            failure = "the response was not valid JSON (\(error.reason) at byte \(error.offset) of \(body.count))"
                        } else {
                            throw HTTPStatusError(status: status, json: nil)
                        }
                    }
                } else if status == 429 {
                    rateLimitedRetries += 1
                    await counters.add(rateLimitWaits: 1)
                    let delay = Self.retryAfterSeconds(headers.first(name: "Retry-After"), now: Date())
                        ?? (source.rateLimit?.interval ?? source.retryDelay) * Double(min(rateLimitedRetries, 8))
                    guard rateLimitedRetries <= Self.maxRateLimitedRetries, delay <= Self.maxRetryAfter else {
                        throw FetchError(kind: .rateLimited, source: source.name, scope: scope,
                                         reason: "the server kept answering 429 Too Many Requests (asked to wait \(Int(delay)) s); lower `rateLimit` for this source")
                    }
                    events(.waiting(source: source.name, seconds: delay, reason: "HTTP 429, Retry-After"))
                    await limiter.pause(for: .milliseconds(Int64(delay * 1000)))
                    continue
                } else {
                    failure = "HTTP \(status)"
                }
            case .failure(let kind, let reason):
                if attempt >= source.retries {
                    // As for HTTP errors, the count tells a reader the retries were spent, not skipped.
                    let tries = attempt > 0 ? " after \(attempt + 1) attempts" : ""
                    throw FetchError(kind: kind, source: source.name, scope: scope, reason: reason + tries + Self.hint(for: kind, source: source))
                }
                failure = reason
            }
            guard attempt < source.retries else {
                throw FetchError(kind: failure.hasPrefix("HTTP") ? .server : .invalidResponse, source: source.name, scope: scope,
                                 reason: "\(failure) after \(attempt + 1) attempts; the server is failing, try again later")
            }
            attempt += 1
            await counters.add(retries: 1)
            events(.retry(source: source.name, path: path, attempt: attempt, reason: failure))
            let backoff = min(source.retryDelay * pow(2, Double(attempt - 1)), 60)
            let jittered = backoff * Double.random(in: 0.5...1.0)
            try await Task.sleep(for: .milliseconds(Int64(jittered * 1000)))
        }
    }

    private enum Outcome {
        case response(status: Int, headers: HTTPHeaders, body: Data)
        case failure(FetchError.Kind, String)
    }

    private func exchange(_ url: String, secret: Secret, path: String) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \(secret.value)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "botcatalog/1")
        let started = ContinuousClock.now
        await counters.add(requests: 1)
        var status = 0
        defer {
            let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
            events(.request(source: source.name, method: "GET", path: path, status: status, milliseconds: ms))
        }
        do {
            let timeout = TimeAmount.milliseconds(Int64((source.connectTimeout + source.timeout) * 1000))
            let response = try await http.execute(request, timeout: timeout, logger: nil)
            status = Int(response.status.code)
            let body = try await response.body.collect(upTo: Self.maxBodyBytes)
            return .response(status: status, headers: response.headers, body: Data(body.readableBytesView))
        } catch let error as HTTPClientError {
            return .failure(Self.classify(error), redactor.redact(Self.describe(error)))
        } catch is CancellationError {
            return .failure(.other, "cancelled")
        } catch {
            let text = redactor.redact("\(error)")
            if text.contains("connectTimeout") || text.contains("timeout") { return .failure(.timeout, "timed out") }
            if text.lowercased().contains("refused") {
                return .failure(.unreachable, "cannot connect to \(Self.hostForLog(source.url)): connection refused")
            }
            if text.contains("connect") {
                return .failure(.unreachable, "cannot connect to \(Self.hostForLog(source.url)): \(text)")
            }
            return .failure(.other, text)
        }
    }

    static func classify(_ error: HTTPClientError) -> FetchError.Kind {
        switch error {
        case .connectTimeout: return .unreachable
        case .readTimeout, .deadlineExceeded, .writeTimeout: return .timeout
        case .remoteConnectionClosed: return .server
        default: return .other
        }
    }

    static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: return "no connection within the connect timeout (host down, refusing, or unreachable)"
        case .readTimeout: return "no response within the read timeout"
        case .deadlineExceeded: return "request timed out"
        case .remoteConnectionClosed: return "the server closed the connection mid-response"
        default: return "\(error)"
        }
    }

    static func hint(for kind: FetchError.Kind, source: SourceConfig) -> String {
        switch kind {
        case .unreachable: return "; check `url` (\(hostForLog(source.url))) and the network"
        case .timeout: return "; the server did not answer in time, raise `timeout` or try later"
        default: return ""
        }
    }

    /// Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date.
    static func retryAfterSeconds(_ value: String?, now: Date) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }

    /// The path and query of a URL exactly as sent, for logs (no host; secrets only travel in headers).
    static func pathForLog(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else { return url }
        return String(url[slash...])
    }

    static func hostForLog(_ url: String) -> String {
        guard let u = URL(string: url), let host = u.host else { return url }
        return u.port.map { "\(host):\($0)" } ?? host
    }
}

/// Remembers that a source's host could not be reached.
actor UnreachableLatch {
    private(set) var error: FetchError?
    func record(_ error: FetchError) { if self.error == nil { self.error = error } }
}

/// Request, retry and wait counts of one source, for the snapshot's provenance.
actor FetchCounters {
    private(set) var requests = 0
    private(set) var retries = 0
    private(set) var rateLimitWaits = 0

    func add(requests: Int = 0, retries: Int = 0, rateLimitWaits: Int = 0) {
        self.requests += requests
        self.retries += retries
        self.rateLimitWaits += rateLimitWaits
    }
}

/// Replaces every secret value in a text, in case a server echoes one back in an error.
public struct Redactor: Sendable {
    private let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}
