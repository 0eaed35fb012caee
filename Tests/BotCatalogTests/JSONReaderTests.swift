import Foundation
import Testing

@testable import BotCatalog
@testable import BotCatalogMockAPI

/// The JSON reader: strict, exact about numbers, and never crashing on hostile input.
@Suite("JSON reading and writing")
struct JSONReaderTests {
    @Test("values keep their kinds: integers, doubles, booleans, null, nested")
    func kinds() throws {
        let value = try JSONReader.read(#"{"a": 1, "b": 1.5, "c": true, "d": null, "e": [1, "x", {"f": -2e3}], "g": "\u00e9\ud83d\ude00\n"}"#)
        #expect(value == ["a": 1, "b": 1.5, "c": true, "d": nil, "e": [1, "x", ["f": -2000.0]], "g": "é😀\n"])
    }

    @Test("writing is deterministic: sorted keys, stable numbers, escaped control characters", arguments: [
        (JSONValue.object(["b": 1, "a": [true, nil]]), #"{"a":[true,null],"b":1}"#),
        (JSONValue.string("tab\there \"q\" \\ \u{1}"), #""tab\there \"q\" \\ \u0001""#),
        (JSONValue.double(0.1), "0.1"),
        (JSONValue.string("a/b"), #""a/b""#),
        (JSONValue.string("é\n\u{1F}\r😀\"x\"\n"), #""é\n\u001f\r😀\"x\"\n""#),
    ])
    func writing(value: JSONValue, text: String) throws {
        #expect(JSONWriter.string(value, pretty: false) == text)
        #expect(try JSONReader.read(text) == value)
    }

    @Test("bad input is an error with the byte offset", arguments: [
        ("", 0), ("{", 1), (#"{"a":1"#, 6), ("[1,]", 3), ("tru", 0), (#""\x""#, 2), ("01", 1), ("{\"a\" 1}", 5), ("1 2", 2), ("\"a\u{1}\"", 2),
    ])
    func errors(text: String, offset: Int) {
        do {
            _ = try JSONReader.read(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.offset == offset, "\(error)")
        }
    }

    @Test("nesting is bounded, so a hostile body cannot overflow the stack")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONReadError.self) { try JSONReader.read(deep) }
    }

    @Test("invalid UTF-8 and lone surrogates never crash")
    func unicode() throws {
        #expect(throws: JSONReadError.self) { try JSONReader.read(Data([0x22, 0xFF, 0xFE, 0x22])) }
        #expect(try JSONReader.read(#""\ud800x""#) == "\u{FFFD}x")
        #expect(try JSONReader.read(#""\udc00""#) == "\u{FFFD}")
    }

    /// Random and mutated inputs, thousands of them: the reader and the bot decoder either
    /// succeed or throw; the decoder's errors name what was wrong.
    @Test("fuzz: 20,000 random and mutated bodies never crash the reader or the decoders")
    func fuzz() throws {
        var rng = SeededGenerator(seed: 0xB07C_A7A1)
        let seeds = [
            #"{"results":[{"id":"1","name":"A","slug":"a","tags":"x, y","inputs":[{"name":"q","type":"text"}]}],"page":1,"limit":10,"totalPages":1,"totalResults":1}"#,
            #"{"bot":{"id":"2","name":"B"},"organization":{"id":"o","name":"O"}}"#,
            #"{"bot_id":"3","name":"C","tags":["a"],"creativity_level":0.3,"long_term_memory":true}"#,
            #"{"code":40127,"message":"Developer authentication failed"}"#,
        ].map { Array($0.utf8) }
        var decoded = 0, rejected = 0
        for n in 0..<20_000 {
            var bytes: [UInt8]
            if n % 4 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = seeds[n % seeds.count]
                for _ in 0..<Int.random(in: 1...6, using: &rng) where !bytes.isEmpty {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0...3, using: &rng) {
                    case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.remove(at: i)
                    case 2: bytes.insert(Array("{}[]\",:0e-\\u".utf8).randomElement(using: &rng)!, at: i)
                    default: bytes = Array(bytes[..<i])
                    }
                }
            }
            let printed = try? JSONReader.readPrinted(Data(bytes))
            guard let value = try? JSONReader.read(Data(bytes)) else {
                #expect(printed == nil)
                rejected += 1
                continue
            }
            decoded += 1
            // Read with prints, the same value; every object's print is the walk's, or none (a repeated key).
            #expect(printed?.value == value)
            if let printed, case .object(let object) = value, let made = printed.prints.object {
                #expect(JSONPrintsTests.sameAsWalk(object, made))
            }
            do { _ = try BotDecoder.page(value) } catch { #expect(!error.reason.isEmpty) }
            do { _ = try BotDecoder.unltdBot(value, source: "s", scope: "public", organization: nil) } catch { #expect(!error.reason.isEmpty) }
            do { _ = try BotDecoder.gptbotsDetail(value, source: "s", scope: "key:K") } catch { #expect(!error.reason.isEmpty) }
            do { _ = try StateCodec.snapshot(value) } catch { #expect(!error.reason.isEmpty) }
            // Whatever was read writes back to text that reads as the same value.
            #expect(try JSONReader.read(JSONWriter.string(value)) == value)
        }
        #expect(decoded > 1_000 && rejected > 1_000)
    }
}

/// Reproducible randomness for fuzz and property tests: the stand-in API's generator.
typealias SeededGenerator = SplitMix64
