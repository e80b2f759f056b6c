import Foundation

/// Sentence embeddings from all-MiniLM-L6-v2 (or another BERT sentence-transformers model with mean
/// pooling), computed in process: WordPiece tokenizer, safetensors weights, the forward pass on OpenBLAS.
///
/// The model's files are installed by `ops/scripts/install-model.sh`, never committed; without them `init`
/// throws an error whose `isModelNotInstalled` is true, and callers fall back to keyword search. Vectors are
/// unit length (cosine similarity is their dot product), `dimensions` floats (384 for all-MiniLM-L6-v2);
/// a text longer than `maxTokens` tokens (256, `[CLS]` and `[SEP]` included) is embedded from its start.
///
/// Immutable once loaded (about 90 MB of weights): share one instance and call it from any number of tasks
/// or threads at once. The calls are synchronous and CPU-bound (milliseconds for a question, tens of
/// milliseconds per document on 2 cores): run them off the cooperative pool, in a bounded background
/// service, for anything but a single query.
public final class Embedder: Sendable {
    /// The model's directory name under `.desk/models/`.
    public static let modelName = "all-MiniLM-L6-v2"

    /// Floats per vector.
    public let dimensions: Int
    /// Tokens per text after which the rest is ignored.
    public let maxTokens: Int
    /// A batch is cut into forward passes of at most this many tokens, bounding scratch memory.
    public let tokensPerPass = 8_192
    private let tokenizer: BertTokenizer
    private let encoder: BertEncoder

    /// The model directory to use: `DESK_MODEL_DIR` from `environment` when set, otherwise
    /// `.desk/models/all-MiniLM-L6-v2` under `base` (the working directory by default), where
    /// `ops/scripts/install-model.sh` puts it.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> URL {
        if let configured = environment["DESK_MODEL_DIR"], !configured.isEmpty {
            return configured.hasPrefix("/") ? URL(fileURLWithPath: configured)
                : base.appendingPathComponent(configured).standardizedFileURL
        }
        return base.appendingPathComponent(".desk/models").appendingPathComponent(modelName)
    }

    /// Loads the model in `directory` (config.json, vocab.txt, model.safetensors and the optional
    /// sentence-transformers files beside them). Throws `EmbeddingError`: `isModelNotInstalled` when a
    /// required file is missing, otherwise a message naming the damaged file and its problem.
    public init(directory: URL) throws {
        for file in ["config.json", "vocab.txt", "model.safetensors"]
        where !FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
            throw EmbeddingError.modelNotInstalled(directory: directory.path, missing: file)
        }
        let configuration = try ModelConfiguration(directory: directory)
        guard let vocabularyText = try? String(contentsOf: directory.appendingPathComponent("vocab.txt"), encoding: .utf8) else {
            throw EmbeddingError.malformed("vocab.txt", "cannot be read as UTF-8")
        }
        let vocabulary = try Vocabulary(text: vocabularyText)
        guard vocabulary.count <= configuration.vocabularySize else {
            throw EmbeddingError.malformed("vocab.txt", "has \(vocabulary.count) tokens but the model embeds \(configuration.vocabularySize)")
        }
        tokenizer = try BertTokenizer(vocabulary: vocabulary, lowercase: configuration.lowercase, maxTokens: configuration.maxTokens)
        encoder = try BertEncoder(SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors")),
                                  configuration: configuration)
        dimensions = configuration.hiddenSize
        maxTokens = configuration.maxTokens
    }

    /// The token ids the model sees for `text`: `[CLS]`, WordPiece ids, `[SEP]`, at most `maxTokens`.
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text)
    }

    /// The unit-length embedding of `text`.
    public func embed(_ text: String) -> [Float] {
        encoder.embed([tokenizer.encode(text)])[0]
    }

    /// The embeddings of `texts`, in order, computed in as few forward passes as `tokensPerPass` allows.
    /// Each vector equals `embed(_:)` of its text (to rounding): texts in a batch never see each other.
    public func embed(batch texts: [String]) -> [[Float]] {
        embed(tokenized: texts.map(tokenizer.encode))
    }

    /// The embeddings of already tokenized texts (as `tokenize(_:)` returns them).
    func embed(tokenized sequences: [[Int32]]) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            var end = start
            var tokens = 0
            while end < sequences.count, end == start || tokens + sequences[end].count <= tokensPerPass {
                tokens += sequences[end].count
                end += 1
            }
            vectors.append(contentsOf: encoder.embed(Array(sequences[start..<end])))
            start = end
        }
        return vectors
    }
}
