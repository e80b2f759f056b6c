import Foundation
import Testing
@testable import DeskEmbedding

@Suite("Embedder: loading a model directory, and the forward pass on a tiny model")
struct EmbedderLoadingTests {
    @Test("a directory without the model is 'not installed', and the error names the install script")
    func notInstalled() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("desk-no-model-\(UUID().uuidString)")
        let error = try #require(throws: EmbeddingError.self) { try Embedder(directory: empty) }
        #expect(error.isModelNotInstalled)
        #expect(error.description.contains("ops/scripts/install-model.sh"))
    }

    @Test("DESK_MODEL_DIR chooses the directory, relative to the base; otherwise .desk/models/all-MiniLM-L6-v2")
    func defaultDirectory() {
        let base = URL(fileURLWithPath: "/srv/desk")
        #expect(Embedder.defaultDirectory(environment: [:], base: base).path == "/srv/desk/.desk/models/all-MiniLM-L6-v2")
        #expect(Embedder.defaultDirectory(environment: ["DESK_MODEL_DIR": "m"], base: base).path == "/srv/desk/m")
        #expect(Embedder.defaultDirectory(environment: ["DESK_MODEL_DIR": "/opt/m"], base: base).path == "/opt/m")
    }

    @Test("a tiny model embeds to unit vectors of its width, truncated to max_seq_length")
    func tinyModel() throws {
        let directory = try TinyModel.write(maxSeqLength: 6)
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedder = try Embedder(directory: directory)
        #expect(embedder.dimensions == TinyModel.hidden)
        #expect(embedder.maxTokens == 6)
        let vector = embedder.embed("hello world")
        #expect(vector.count == TinyModel.hidden)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(embedder.tokenize("hello world hello world hello") == [2, 9, 10, 9, 10, 3])
        #expect(embedder.embed("hello world") != embedder.embed("world hello"), "positions matter")
    }

    @Test("a batch of mixed lengths gives each text the vector it gets alone")
    func batchEqualsSingle() throws {
        let directory = try TinyModel.write()
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedder = try Embedder(directory: directory)
        let texts = ["hello", "", "unaffable world hello , cafe !", "你好", "x"]
        let batch = embedder.embed(batch: texts)
        #expect(batch.count == texts.count)
        for (text, vector) in zip(texts, batch) {
            let single = embedder.embed(text)
            #expect(zip(single, vector).allSatisfy { abs($0 - $1) < 1e-5 }, "\(text)")
        }
        #expect(embedder.embed(batch: []).isEmpty)
    }

    @Test("a truncated model.safetensors is refused as malformed, naming the file")
    func truncatedWeights() throws {
        let directory = try TinyModel.write()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count - 100).write(to: weights)
        let error = try #require(throws: EmbeddingError.self) { try Embedder(directory: directory) }
        #expect(error.isMalformedModel)
        #expect(error.description.contains("model.safetensors") && error.description.contains("truncated"), "\(error)")
    }

    @Test("another activation than exact GELU is refused, not approximated")
    func unsupportedActivation() throws {
        let directory = try TinyModel.write(hiddenAct: "gelu_new")
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: EmbeddingError.self) { try Embedder(directory: directory) }
        #expect(!error.isModelNotInstalled && error.description.contains("gelu_new"))
    }
}
