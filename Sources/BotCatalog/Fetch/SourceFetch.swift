/// Everything one source gave in one run.
public struct SourceFetch: Sendable, Equatable {
    public var status: SourceStatus
    /// Unique by id, sorted by id.
    public var bots: [Bot]
    /// GPTBots scopes (`key:<ENV>`) whose bot the server reported deleted (code 20059).
    public var deletedScopes: Set<String>

    public init(status: SourceStatus, bots: [Bot], deletedScopes: Set<String> = []) {
        self.status = status
        self.bots = bots
        self.deletedScopes = deletedScopes
    }
}

/// How one listing ended.
enum ListingOutcome: Sendable {
    case complete([Bot])
    /// Some bots came, but the listing did not add up; the rest are carried over.
    case incomplete([Bot], FetchError)
    case failed(FetchError)

    var bots: [Bot] {
        switch self {
        case .complete(let b), .incomplete(let b, _): return b
        case .failed: return []
        }
    }

    var problem: FetchError? {
        switch self {
        case .complete: return nil
        case .incomplete(_, let e), .failed(let e): return e
        }
    }
}

/// Pages done and bots seen for one source, shared by its concurrent listings.
actor SourceProgress {
    private let source: String
    private let events: FetchEventSink
    private var pagesDone = 0
    private var pagesTotal = 0
    private var bots = 0

    init(source: String, events: @escaping FetchEventSink) {
        self.source = source
        self.events = events
    }

    func expect(pages: Int) { pagesTotal += pages }

    func pageDone(bots count: Int) {
        pagesDone += 1
        bots += count
        events(.progress(source: source, pagesDone: pagesDone, pagesTotal: max(pagesTotal, pagesDone), bots: bots))
    }
}
