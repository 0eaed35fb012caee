import Foundation
import Testing

@testable import BotCatalog
@testable import BotCatalogMockAPI

/// Prints made while JSON is read: each object's is the one the walk over the value read would
/// give (`Fingerprint.add(_:)`), so the site may use either; a bot carries its fields' print
/// only as long as its fields are the ones read.
@Suite("JSON prints made while reading")
struct JSONPrintsTests {
    /// The walk's print of an object against the print the reader made of it.
    static func sameAsWalk(_ object: [String: JSONValue], _ made: ObjectPrint?) -> Bool {
        guard let made else { return false }
        var walked = Fingerprint(), read = Fingerprint()
        walked.add(.object(object))
        read.add(made)
        return walked.value == read.value
    }

    /// Every object the reader laid out a print for, checked against the walk, down the tree.
    /// Returns how many were checked.
    @discardableResult
    static func expectSameAsWalk(_ value: JSONValue, _ prints: JSONPrints, depth: Int = 0) -> Int {
        var checked = 0
        switch value {
        case .object(let object):
            #expect(sameAsWalk(object, prints.object), "object at depth \(depth): \(JSONWriter.string(value, pretty: false).prefix(120))")
            checked += 1
            for (key, member) in object {
                switch member {
                case .object, .array:
                    guard depth + 1 < JSONReader.printedDepth else { #expect(prints[key] == nil); continue }
                    let child = prints[key]
                    #expect(child != nil, "member \(key) at depth \(depth) has no prints")
                    if let child { checked += expectSameAsWalk(member, child, depth: depth + 1) }
                default:
                    #expect(prints[key] == nil)
                }
            }
        case .array(let items):
            #expect(prints.object == nil && prints.members.isEmpty, "an array at depth \(depth) holds an object's prints")
            guard depth + 1 < JSONReader.printedDepth else { #expect(prints.elements.isEmpty); return 0 }
            #expect(prints.elements.count == items.count)
            for (item, child) in zip(items, prints.elements) { checked += expectSameAsWalk(item, child, depth: depth + 1) }
        default:
            break
        }
        return checked
    }

    @Test("every kind of value is printed as the walk prints it: strings with escapes, integers, doubles, booleans, null, nesting", arguments: [
        #"{"a": 1, "b": 1.5, "c": true, "d": null, "e": [1, "x", {"f": -2e3}], "g": "\u00e9\ud83d\ude00\n"}"#,
        #"{"big": 123456789012345678901234567890, "neg": -0, "exp": 1E+2, "small": -9223372036854775808}"#,
        #"{"empty": {}, "none": [], "nested": [[[]], [{}], {"x": [{"y": {"z": "deep"}}]}]}"#,
        #"{"results":[{"bot":{"id":"2","name":"B","tags":["a","b"]},"organization":{"id":"o","name":"O"}},{"id":"3"}],"page":1}"#,
        #"{"text": "quotes \" and \\ and \/ and \t tabs", "unicode": "日本語 ﷺ \u200b", "long": "0123456789abcdefghijklmnopqrstuvwxyz0123456789"}"#,
        #"{}"#,
    ])
    func kinds(text: String) throws {
        let (value, prints) = try JSONReader.readPrinted(Data(text.utf8))
        #expect(value == (try JSONReader.read(text)))
        #expect(Self.expectSameAsWalk(value, prints) >= 1)
    }

    @Test("members in any order give the same print; a changed value, key or nesting gives another")
    func orderAndChange() throws {
        func print(_ text: String) throws -> ObjectPrint? { try JSONReader.readPrinted(Data(text.utf8)).prints.object }
        let base = try print(#"{"a": 1, "b": [1, 2], "c": {"d": "x", "e": null}}"#)
        #expect(base != nil)
        #expect(try print(#"{"c": {"e": null, "d": "x"}, "b": [1, 2], "a": 1}"#) == base)
        #expect(try print(#" { "b" : [ 1 , 2 ] , "a" : 1 , "c" : { "d" : "x" , "e" : null } } "#) == base)
        for other in [#"{"a": 2, "b": [1, 2], "c": {"d": "x", "e": null}}"#,
                      #"{"a": 1, "b": [2, 1], "c": {"d": "x", "e": null}}"#,
                      #"{"a": 1, "b": [1, 2], "c": {"d": "x", "f": null}}"#,
                      #"{"a": 1.0, "b": [1, 2], "c": {"d": "x", "e": null}}"#,
                      #"{"a": "1", "b": [1, 2], "c": {"d": "x", "e": null}}"#,
                      #"{"a": 1, "b": [[1, 2]], "c": {"d": "x", "e": null}}"#,
                      #"{"a": 1, "b": [1, 2], "c": {"d": "x"}, "e": null}"#] {
            #expect(try print(other) != base, "\(other)")
        }
    }

    @Test("an object with a repeated key has no print, nor has any object around it; its neighbours keep theirs")
    func repeatedKeys() throws {
        let text = #"{"results": [{"id": "1", "id": "2", "x": {"y": 1}}, {"id": "3", "inner": {"k": 1, "k": 2}}, {"id": "4"}]}"#
        let (value, prints) = try JSONReader.readPrinted(Data(text.utf8))
        #expect(value["results"]?.arrayValue?[0]["id"] == "2")
        #expect(prints.object == nil)
        let results = try #require(prints["results"])
        #expect(results.elements[0].object == nil)
        #expect(results.elements[0]["x"]?.object != nil)
        #expect(results.elements[1].object == nil)
        #expect(results.elements[1]["inner"]?.object == nil)
        #expect(Self.sameAsWalk(try #require(value["results"]?.arrayValue?[2].objectValue), results.elements[2].object))

        // The prints laid out for a repeated key are those of the value kept: the last.
        let (kept, keptPrints) = try JSONReader.readPrinted(Data(#"{"a": {"x": 1}, "a": 5, "b": [1], "b": {"y": 2}}"#.utf8))
        #expect(kept["a"] == 5 && keptPrints["a"] == nil)
        #expect(Self.sameAsWalk(try #require(kept["b"]?.objectValue), keptPrints["b"]?.object))
    }

    @Test("property: 2,000 random values, their members shuffled and spaced at random, print as the walk prints them")
    func randomValues() throws {
        var rng = SeededGenerator(seed: 0x5EED_0F_9A17)
        var checked = 0
        for _ in 0..<2_000 {
            let value = JSONValue.object(Self.randomObject(depth: 0, using: &rng))
            let text = Self.write(value, using: &rng)
            let (read, prints) = try JSONReader.readPrinted(Data(text.utf8))
            #expect(read == value)
            checked += Self.expectSameAsWalk(read, prints)
        }
        #expect(checked > 5_000)
    }

    // MARK: - Bots

    @Test("bots decoded from a printed page carry their fields' print, bare or wrapped; the bot's print is the walk's")
    func decodedBots() throws {
        let text = #"{"results":[{"id":"1","name":"A","tags":"x, y","inputs":[{"name":"q","type":"text"}]},{"bot":{"id":"2","name":"B","modelKey":"m"},"organization":{"id":"o","name":"O"}}],"page":1,"limit":10,"totalPages":1,"totalResults":2}"#
        let (json, prints) = try JSONReader.readPrinted(Data(text.utf8))
        let page = try BotDecoder.page(json, prints: prints)
        #expect(page.resultPrints.elements.count == 2)
        let bots = try page.results.indices.map { try BotDecoder.unltdBot(page.results[$0], source: "s", scope: "public", organization: nil, prints: page.resultPrints[$0]) }
        for bot in bots {
            #expect(Self.sameAsWalk(bot.fields, bot.fieldsPrint), "\(bot.id)")
            var walked = bot
            walked.fields = bot.fields
            #expect(walked.fieldsPrint == nil)
            #expect(InputDigest.print(walked) == InputDigest.print(bot))
        }
        #expect(bots[1].fields["id"] == "2" && bots[1].organizationName == "O")

        let detail = #"{"bot_id":"3","name":"C","tags":["a"],"creativity_level":0.3,"long_term_memory":true}"#
        let read = try JSONReader.readPrinted(Data(detail.utf8))
        guard case .bot(let gpt) = try BotDecoder.gptbotsDetail(read.value, source: "g", scope: "key:K", prints: read.prints) else {
            Issue.record("no bot"); return
        }
        #expect(Self.sameAsWalk(gpt.fields, gpt.fieldsPrint))
    }

    @Test("changing a bot's fields drops the print; equality leaves the print out")
    func printIsACache() throws {
        let read = try JSONReader.readPrinted(Data(#"{"id":"1","name":"A","description":"old"}"#.utf8))
        var bot = try BotDecoder.unltdBot(read.value, source: "s", scope: "public", organization: nil, prints: read.prints)
        let plain = try BotDecoder.unltdBot(read.value, source: "s", scope: "public", organization: nil)
        #expect(bot.fieldsPrint != nil && plain.fieldsPrint == nil)
        #expect(bot == plain)
        let before = InputDigest.print(bot)
        bot.fields["description"] = "new"
        #expect(bot.fieldsPrint == nil)
        #expect(InputDigest.print(bot) != before)
        #expect(bot != plain)
        // Other properties leave the fields' print in place: the bot's print adds them itself.
        var renamed = try BotDecoder.unltdBot(read.value, source: "s", scope: "public", organization: nil, prints: read.prints)
        renamed.organizationName = "Sales"
        #expect(renamed.fieldsPrint != nil)
        var walked = renamed
        walked.fields = renamed.fields
        #expect(InputDigest.print(renamed) == InputDigest.print(walked))
    }

    // MARK: - Random values

    static func randomObject(depth: Int, using rng: inout SeededGenerator) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            object[randomString(using: &rng)] = randomValue(depth: depth + 1, using: &rng)
        }
        return object
    }

    static func randomValue(depth: Int, using rng: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0...(depth < 5 ? 8 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .double(Double(2 * Int.random(in: -500_000...500_000, using: &rng) + 1) / 64)  // never whole: written as a double
        case 4, 5: return .string(randomString(using: &rng))
        case 6, 7: return .object(randomObject(depth: depth, using: &rng))
        default: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        }
    }

    static func randomString(using rng: inout SeededGenerator) -> String {
        let pieces = ["a", "b", "key", "é", "日本", "😀", "\"", "\\", "\n", "\t", "\u{1}", "/", " ", "description", String(repeating: "long ", count: 9)]
        return (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    /// JSON text with the members in a random order and random spacing (`JSONWriter` sorts them).
    static func write(_ value: JSONValue, using rng: inout SeededGenerator) -> String {
        let space = [" ", "", "\n  ", "\t"].randomElement(using: &rng)!
        switch value {
        case .object(let object):
            let members = object.shuffled(using: &rng).map { key, member in
                JSONWriter.string(.string(key), pretty: false) + space + ":" + write(member, using: &rng)
            }
            return "{" + space + members.joined(separator: "," + space) + "}"
        case .array(let items):
            return "[" + items.map { write($0, using: &rng) }.joined(separator: space + ",") + "]"
        default:
            return JSONWriter.string(value, pretty: false)
        }
    }
}
