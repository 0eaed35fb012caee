import Foundation

/// The list page of node-express-boilerplate's `paginate` plugin, which the seed's
/// `{results, page, limit, totalPages, totalResults}` responses come from.
enum MockPagination {
    /// Filters by `name` (exact), sorts by `sortBy`, and cuts out the requested page.
    ///
    /// `page` and `limit` default to 1 and `defaultPageSize` when missing or not a
    /// positive integer; `limit` is clamped to `maxPageSize` and the response reports
    /// the clamped value. `totalPages` is 0 for an empty list, and a page past the
    /// end has empty `results`. Other filters (`custom`, `tags`, `service`...) are
    /// accepted and ignored.
    static func page(
        of bots: [MockJSON],
        query: [String: String],
        world: MockWorld,
        transform: (MockJSON) -> MockJSON = { $0 }
    ) -> MockJSON {
        var matching = bots
        if let name = query["name"] {
            matching = matching.filter { $0["name"]?.stringValue == name }
        }
        if let sortBy = query["sortBy"], !sortBy.isEmpty {
            matching = sorted(matching, by: sortBy)
        }

        let page = MockPath.page(in: query)
        let limit = max(1, min(MockPath.positiveInt(query["limit"]) ?? world.defaultPageSize, world.maxPageSize))
        let total = matching.count
        let totalPages = total == 0 ? 0 : (total - 1) / limit + 1

        var results: [MockJSON] = []
        if page <= totalPages {
            // `page <= totalPages` keeps `(page - 1) * limit` below `total`, so no overflow.
            let start = (page - 1) * limit
            results = matching[start..<(start + min(limit, total - start))].map(transform)
        }
        return [
            "results": .array(results),
            "page": .int(page),
            "limit": .int(limit),
            "totalPages": .int(totalPages),
            "totalResults": .int(total),
        ]
    }

    /// `sortBy=field:desc,other:asc` as the plugin reads it; the original order breaks
    /// ties so pages never overlap or skip bots.
    private static func sorted(_ bots: [MockJSON], by sortBy: String) -> [MockJSON] {
        let criteria: [(field: String, descending: Bool)] = sortBy.split(separator: ",").map { criterion in
            let parts = criterion.split(separator: ":", maxSplits: 1)
            let field = String(parts.first ?? "").trimmingCharacters(in: .whitespaces)
            let descending = parts.count > 1 && parts[1].trimmingCharacters(in: .whitespaces).lowercased() == "desc"
            return (field, descending)
        }
        return bots.enumerated().sorted { lhs, rhs in
            for criterion in criteria {
                let left = lhs.element[criterion.field] ?? .null
                let right = rhs.element[criterion.field] ?? .null
                if left.sortsBefore(right) { return !criterion.descending }
                if right.sortsBefore(left) { return criterion.descending }
            }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}

extension MockJSON {
    /// A total order good enough for sorting: values of one kind compare naturally,
    /// different kinds by kind (null first, like MongoDB's ascending sort).
    fileprivate func sortsBefore(_ other: MockJSON) -> Bool {
        switch (self, other) {
        case (.bool(let a), .bool(let b)): return !a && b
        case (.string(let a), .string(let b)): return a < b
        case (.int(let a), .int(let b)): return a < b
        case (.int(let a), .double(let b)): return Double(a) < b
        case (.double(let a), .int(let b)): return a < Double(b)
        case (.double(let a), .double(let b)): return a < b
        default: return kindRank < other.kindRank
        }
    }

    private var kindRank: Int {
        switch self {
        case .null: 0
        case .int, .double: 1
        case .string: 2
        case .object: 3
        case .array: 4
        case .bool: 5
        }
    }
}
