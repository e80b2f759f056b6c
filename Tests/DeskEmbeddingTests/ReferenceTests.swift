import Foundation
import Testing
@testable import DeskEmbedding

@Suite("all-MiniLM-L6-v2 against the reference (HF tokenizers + numpy forward pass)",
       .enabled(if: InstalledModel.shouldRun, "model not installed and DESK_SKIP_MODEL_TESTS=1"))
struct ReferenceTests {
    @Test("the model's own settings: 384 dimensions, 256 tokens")
    func settings() throws {
        let embedder = try InstalledModel.embedder()
        #expect(embedder.dimensions == 384)
        #expect(embedder.maxTokens == 256)
        #expect(try InstalledModel.fixture().maxLength == embedder.maxTokens)
    }

    @Test("token ids equal the reference's exactly for every text, hostile ones included")
    func tokenIDs() throws {
        let embedder = try InstalledModel.embedder()
        let fixture = try InstalledModel.fixture()
        #expect(fixture.cases.count >= 60)
        for (index, reference) in fixture.cases.enumerated() {
            let ids = embedder.tokenize(reference.text)
            #expect(ids == reference.ids, "case \(index): \(reference.text.prefix(60).debugDescription)")
        }
    }

    @Test("each text's vector has cosine > 0.999 with the reference's")
    func vectors() throws {
        let embedder = try InstalledModel.embedder()
        let fixture = try InstalledModel.fixture()
        var minimum = 1.0
        for (index, reference) in fixture.cases.enumerated() {
            let vector = embedder.embed(reference.text)
            #expect(vector.count == 384)
            let cosine = InstalledModel.cosine(vector, reference.embedding)
            minimum = min(minimum, cosine)
            #expect(cosine > 0.999, "case \(index): cosine \(cosine) for \(reference.text.prefix(60).debugDescription)")
        }
        print("DeskEmbedding reference: minimum cosine \(minimum) over \(fixture.cases.count) texts")
    }

    @Test("a batch of mixed lengths matches the reference and the texts embedded alone")
    func batches() throws {
        let embedder = try InstalledModel.embedder()
        let fixture = try InstalledModel.fixture()
        for batch in fixture.batches {
            let cases = batch.map { fixture.cases[$0] }
            let vectors = embedder.embed(batch: cases.map(\.text))
            for (reference, vector) in zip(cases, vectors) {
                #expect(InstalledModel.cosine(vector, reference.embedding) > 0.999)
                #expect(InstalledModel.cosine(vector, embedder.embed(reference.text)) > 0.99999)
            }
        }
    }

    @Test("several tasks embedding at once get the same vectors as one after another")
    func concurrent() async throws {
        let embedder = try InstalledModel.embedder()
        let texts = try InstalledModel.fixture().cases.prefix(8).map(\.text)
        let sequential = texts.map { embedder.embed($0) }
        let parallel = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, embedder.embed(text)) }
            }
            var results = [[Float]](repeating: [], count: texts.count)
            for await (index, vector) in group { results[index] = vector }
            return results
        }
        for (a, b) in zip(sequential, parallel) { #expect(InstalledModel.cosine(a, b) > 0.99999) }
    }

    @Test("paraphrases are closer than unrelated questions (the model is the one meant)")
    func semantics() throws {
        let embedder = try InstalledModel.embedder()
        let reset = embedder.embed("How do I reset my password?")
        let forgot = embedder.embed("I forgot my login credentials")
        let weather = embedder.embed("Do you ship furniture to Norway?")
        #expect(InstalledModel.cosine(reset, forgot) > InstalledModel.cosine(reset, weather) + 0.2)
    }
}
