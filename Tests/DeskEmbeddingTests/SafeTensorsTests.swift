import Foundation
import Testing
@testable import DeskEmbedding

@Suite("safetensors reader: every damaged file is refused with its problem named")
struct SafeTensorsTests {
    /// A file with the given header JSON and `payload` bytes of data after it.
    static func file(header: String, payload: [UInt8], declaredLength: UInt64? = nil) -> Data {
        let json = Array(header.utf8)
        let length = declaredLength ?? UInt64(json.count)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + json + payload)
    }

    static let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"#
        + #""i":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}}"#
    static let floats: [Float] = [1, -2, 0.5, 3.25]
    static let payload = floats.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        + [UInt8](repeating: 7, count: 8)

    func refusal(_ data: Data) -> String {
        do {
            _ = try SafeTensors(data: data, name: "model.safetensors")
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test("a well-formed file gives its F32 tensors row-major, little-endian, and skips the metadata")
    func reads() throws {
        let file = try SafeTensors(data: Self.file(header: Self.header, payload: Self.payload), name: "model.safetensors")
        #expect(try file.floats("w", shape: [2, 2]) == Self.floats)
        #expect(Set(file.entries.keys) == ["w", "i"])
    }

    @Test("a file cut inside its data is truncated, naming the tensor that runs past the end")
    func truncatedData() {
        let text = refusal(Self.file(header: Self.header, payload: Array(Self.payload.dropLast(3))))
        #expect(text.contains("truncated") && text.contains("tensor i"), "\(text)")
    }

    @Test("a file cut inside its header, or shorter than the length field, is truncated")
    func truncatedHeader() {
        let full = Self.file(header: Self.header, payload: Self.payload)
        #expect(refusal(full.prefix(40)).contains("truncated"))
        #expect(refusal(full.prefix(5)).contains("too short"))
        #expect(refusal(Data()).contains("too short"))
    }

    @Test("an absurd header length is not a safetensors file")
    func absurdLength() {
        let text = refusal(Self.file(header: Self.header, payload: Self.payload, declaredLength: UInt64.max - 3))
        #expect(text.contains("not a safetensors file"), "\(text)")
    }

    @Test("a garbled header is not JSON of tensors")
    func garbled() {
        #expect(refusal(Self.file(header: "{\"w\": [1, 2", payload: Self.payload)).contains("not a JSON object"))
        #expect(refusal(Self.file(header: "[1, 2, 3]", payload: [])).contains("not a JSON object"))
        #expect(refusal(Self.file(header: #"{"w":{"dtype":"F32"}}"#, payload: [])).contains("lacks"))
    }

    @Test("a tensor whose bytes do not fit its shape, dtype or order is refused")
    func inconsistent() {
        let tooFew = #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#
        #expect(refusal(Self.file(header: tooFew, payload: Self.payload)).contains("has shape [2, 3] of F32 but 16 bytes"))
        let reversed = #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#
        #expect(refusal(Self.file(header: reversed, payload: Self.payload)).contains("reversed"))
        let unknown = #"{"w":{"dtype":"Q4","shape":[4],"data_offsets":[0,4]}}"#
        #expect(refusal(Self.file(header: unknown, payload: Self.payload)).contains("unknown dtype Q4"))
    }

    @Test("reading a tensor as the wrong shape or type, or a missing one, is refused")
    func wrongRead() throws {
        let file = try SafeTensors(data: Self.file(header: Self.header, payload: Self.payload), name: "model.safetensors")
        #expect(throws: EmbeddingError.self) { try file.floats("w", shape: [4]) }
        #expect(throws: EmbeddingError.self) { try file.floats("i", shape: [1]) }
        #expect(throws: EmbeddingError.self) { try file.floats("nothing", shape: [1]) }
    }
}
