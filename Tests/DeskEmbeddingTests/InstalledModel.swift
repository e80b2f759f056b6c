import Foundation
import Testing
import DeskEmbedding

/// The real all-MiniLM-L6-v2, loaded once for the tests that compare against the reference.
///
/// Missing model = failure, with the install script named: CI installs it (ops/scripts/install-test-deps.sh).
/// Only `DESK_SKIP_MODEL_TESTS=1` turns the absence into a skip, reported as such.
enum InstalledModel {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = Embedder.defaultDirectory(base: repository)
    static let loaded: Result<Embedder, EmbeddingError> = load()

    private static func load() -> Result<Embedder, EmbeddingError> {
        do {
            return .success(try Embedder(directory: directory))
        } catch let error as EmbeddingError {
            return .failure(error)
        } catch {
            return .failure(.modelNotInstalled(directory: directory.path, missing: "a readable model (\(error))"))
        }
    }

    static let skipAllowed = ProcessInfo.processInfo.environment["DESK_SKIP_MODEL_TESTS"] == "1"
    /// False only when the model is missing and DESK_SKIP_MODEL_TESTS=1 says that is fine.
    static let shouldRun = !skipAllowed || (try? loaded.get()) != nil

    /// The embedder, or a recorded failure naming the install script.
    static func embedder() throws -> Embedder {
        switch loaded {
        case .success(let embedder): return embedder
        case .failure(let error):
            Issue.record("\(error) (set DESK_SKIP_MODEL_TESTS=1 to skip these tests instead)")
            throw error
        }
    }

    /// The committed reference: Tests/Reference/minilm_reference.py's output.
    struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
            let embedding: [Float]
        }
        let maxLength: Int
        let cases: [Case]
        let batches: [[Int]]
    }

    static func fixture() throws -> Fixture {
        let url = repository.appendingPathComponent("Tests/DeskEmbeddingTests/Fixtures/minilm_reference.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
