import DeskModel
import Foundation
import Testing

/// `Strict`: every key the decoded type never read is an error naming its path.
@Suite("Strict decoding")
struct StrictTests {
    struct Inner: Decodable, Equatable { var tier: Int; var reason: String? }
    struct Outer: Decodable, Equatable {
        var name: String
        var inner: Inner?
        var list: [Inner]?
        var map: [String: Inner]?
    }

    func decode(_ json: String) throws -> Outer {
        try JSONDecoder().decode(Strict<Outer>.self, from: Data(json.utf8)).value
    }

    func unknown(_ json: String) -> String? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as UnknownFieldError {
            return error.field
        } catch {
            return "other: \(error)"
        }
    }

    @Test("known keys at every depth decode as without Strict")
    func knownKeysDecode() throws {
        let json = #"{"name":"a","inner":{"tier":1},"list":[{"tier":2,"reason":"r"}],"map":{"x":{"tier":3}}}"#
        #expect(try decode(json) == Outer(name: "a", inner: Inner(tier: 1), list: [Inner(tier: 2, reason: "r")],
                                          map: ["x": Inner(tier: 3)]))
        #expect(try decode(#"{"name":"a","inner":null}"#) == Outer(name: "a"))
    }

    @Test("an unknown key is named with its path: top level, nested object, list item, dictionary value")
    func unknownKeysAreNamed() {
        #expect(unknown(#"{"name":"a","prio":"P1"}"#) == "prio")
        #expect(unknown(#"{"name":"a","inner":{"tier":1,"resolv":true}}"#) == "inner.resolv")
        #expect(unknown(#"{"name":"a","list":[{"tier":1},{"tier":2,"x":0}]}"#) == "list.1.x")
        #expect(unknown(#"{"name":"a","map":{"k":{"tier":1,"y":0}}}"#) == "map.k.y")
    }

    @Test("type errors still come as DecodingError, missing keys as keyNotFound")
    func otherErrorsAreUnchanged() {
        #expect(throws: DecodingError.self) { try decode(#"{"name":5}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"inner":{"tier":1}}"#) }
    }

    struct Batch: Decodable {
        struct Item: Decodable {
            let result: Result<Inner, UnknownFieldError>
            init(from decoder: any Decoder) throws {
                do { result = .success(try Strict<Inner>(from: decoder).value) } catch let error as UnknownFieldError {
                    result = .failure(error)
                }
            }
        }
        let items: [Item]
    }

    @Test("a Strict inside a Strict judges its own subtree: one item's unknown key fails that item alone")
    func nestedStrictIsolatesItems() throws {
        let json = #"{"items":[{"tier":1},{"tier":2,"bad":1}]}"#
        let batch = try JSONDecoder().decode(Strict<Batch>.self, from: Data(json.utf8)).value
        #expect(batch.items.count == 2)
        #expect((try? batch.items[0].result.get()) == Inner(tier: 1))
        guard case .failure(let error) = batch.items[1].result else { Issue.record("item 2 should fail"); return }
        #expect(error.field == "items.1.bad")
        #expect(error.dropping(2).field == "bad")
        #expect(throws: UnknownFieldError.self) {
            try JSONDecoder().decode(Strict<Batch>.self, from: Data(#"{"items":[],"extra":1}"#.utf8))
        }
    }
}
