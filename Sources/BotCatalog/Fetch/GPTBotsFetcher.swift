/// Fetches a GPTBots source: one `GET /bot/detail` per API key.
struct GPTBotsFetcher: Sendable {
    let client: APIClient
    let keys: [Secret]
    let progress: SourceProgress

    var source: SourceConfig { client.source }

    func fetch() async -> (bots: [Bot], problems: [FetchError], deleted: Set<String>) {
        await progress.expect(pages: keys.count)
        let results = await withTaskGroup(of: (Int, Result<BotDecoder.Detail, FetchError>).self) { group in
            for (i, key) in keys.enumerated() {
                group.addTask { (i, await self.detail(for: key)) }
            }
            var out = [Result<BotDecoder.Detail, FetchError>?](repeating: nil, count: keys.count)
            for await (i, r) in group { out[i] = r }
            return out.compactMap { $0 }
        }
        var bots: [String: Bot] = [:]
        var problems: [FetchError] = []
        var deleted = Set<String>()
        for (key, result) in zip(keys, results) {
            switch result {
            case .success(.bot(let bot)): bots[bot.id] = bot
            case .success(.deleted): deleted.insert("key:\(key.variable)")
            case .success(.authenticationFailed(let message)):
                problems.append(FetchError(kind: .authentication, source: source.name, scope: "key $\(key.variable)",
                                           reason: "authentication failed (40127\(message.isEmpty ? "" : " \(message)")); put a current API key in \(key.variable)"))
            case .success(.error(let code, let message)):
                problems.append(FetchError(kind: .other, source: source.name, scope: "key $\(key.variable)",
                                           reason: "the API answered code \(code)\(message.isEmpty ? "" : ": \(message)")"))
            case .failure(let error): problems.append(error)
            }
        }
        return (bots.values.sorted { $0.id < $1.id }, problems, deleted)
    }

    func detail(for key: Secret) async -> Result<BotDecoder.Detail, FetchError> {
        let label = "key $\(key.variable)"
        let scope = "key:\(key.variable)"
        var json: JSONValue
        var prints: JSONPrints?
        do {
            let response = try await client.getJSON(client.url("/bot/detail"), secret: key, scope: label)
            json = response.json
            prints = response.prints
        } catch let error as APIClient.HTTPStatusError {
            // GPTBots reports errors in the body; a non-2xx status with a code body is read the same way.
            guard let body = error.json, body["code"] != nil else {
                let kind: FetchError.Kind = error.status == 401 ? .authentication : (error.status == 403 ? .forbidden : .other)
                return .failure(FetchError(kind: kind, source: source.name, scope: label,
                                           reason: "HTTP \(error.status)\(kind == .authentication ? "; put a current API key in \(key.variable)" : "")"))
            }
            json = body
        } catch let error as FetchError {
            return .failure(error)
        } catch {
            return .failure(FetchError(kind: .other, source: source.name, scope: label, reason: "\(error)"))
        }
        await progress.pageDone(bots: json["bot_id"] == nil ? 0 : 1)
        do {
            return .success(try BotDecoder.gptbotsDetail(json, source: source.name, scope: scope, prints: prints))
        } catch {
            return .failure(FetchError(kind: .invalidResponse, source: source.name, scope: label, reason: error.reason))
        }
    }
}
