import Foundation

/// What the model directory's JSON files say about the network and its use as a sentence encoder:
/// `config.json` (BERT's sizes), `sentence_bert_config.json` (the token limit), `tokenizer_config.json`
/// (lower-casing) and `1_Pooling/config.json` (mean pooling, the only pooling implemented).
struct ModelConfiguration: Sendable, Equatable {
    var hiddenSize: Int
    var layers: Int
    var heads: Int
    var intermediateSize: Int
    var maxPositions: Int
    var vocabularySize: Int
    var typeVocabularySize: Int
    var layerNormEpsilon: Float
    /// Tokens per text, `[CLS]` and `[SEP]` included: sentence-transformers' `max_seq_length` (256 for
    /// all-MiniLM-L6-v2, not BERT's 512).
    var maxTokens: Int
    /// The tokenizer lower-cases and strips accents (BERT uncased).
    var lowercase: Bool

    /// Dimensions per attention head.
    var headSize: Int { hiddenSize / heads }

    /// Reads and checks the configuration files in `directory`.
    init(directory: URL) throws {
        let bert = try Self.decode(BertConfig.self, directory.appendingPathComponent("config.json"))
        guard bert.hidden_act == "gelu" else {
            throw EmbeddingError.unsupported("config.json", "hidden_act \(bert.hidden_act) (only exact gelu is implemented)")
        }
        if let positions = bert.position_embedding_type, positions != "absolute" {
            throw EmbeddingError.unsupported("config.json", "position_embedding_type \(positions) (only absolute is implemented)")
        }
        guard bert.hidden_size > 0, bert.num_attention_heads > 0, bert.hidden_size % bert.num_attention_heads == 0,
              bert.num_hidden_layers > 0, bert.intermediate_size > 0, bert.max_position_embeddings > 2,
              bert.vocab_size > 0, bert.type_vocab_size > 0, bert.layer_norm_eps > 0 else {
            throw EmbeddingError.malformed("config.json", "sizes must be positive and hidden_size a multiple of num_attention_heads")
        }
        hiddenSize = bert.hidden_size
        layers = bert.num_hidden_layers
        heads = bert.num_attention_heads
        intermediateSize = bert.intermediate_size
        maxPositions = bert.max_position_embeddings
        vocabularySize = bert.vocab_size
        typeVocabularySize = bert.type_vocab_size
        layerNormEpsilon = Float(bert.layer_norm_eps)

        let sentence = directory.appendingPathComponent("sentence_bert_config.json")
        maxTokens = try Self.optional(SentenceConfig.self, sentence)?.max_seq_length ?? maxPositions
        guard maxTokens > 2, maxTokens <= maxPositions else {
            throw EmbeddingError.malformed("sentence_bert_config.json", "max_seq_length \(maxTokens) is not within 3...\(maxPositions)")
        }
        let tokenizer = try Self.optional(TokenizerConfig.self, directory.appendingPathComponent("tokenizer_config.json"))
        lowercase = tokenizer?.do_lower_case ?? true
        if let pooling = try Self.optional(PoolingConfig.self, directory.appendingPathComponent("1_Pooling/config.json")),
           pooling.pooling_mode_mean_tokens != true {
            throw EmbeddingError.unsupported("1_Pooling/config.json", "only mean pooling is implemented")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T {
        guard let data = try? Data(contentsOf: url) else {
            throw EmbeddingError.malformed(url.lastPathComponent, "cannot be read")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw EmbeddingError.malformed(url.lastPathComponent, "is not the expected JSON (\(error))")
        }
    }

    private static func optional<T: Decodable>(_ type: T.Type, _ url: URL) throws -> T? {
        FileManager.default.fileExists(atPath: url.path) ? try decode(type, url) : nil
    }

    // The files' own key names, as Hugging Face writes them.
    // swiftlint:disable identifier_name
    private struct BertConfig: Decodable {
        let hidden_size: Int
        let num_hidden_layers: Int
        let num_attention_heads: Int
        let intermediate_size: Int
        let max_position_embeddings: Int
        let vocab_size: Int
        let type_vocab_size: Int
        let layer_norm_eps: Double
        let hidden_act: String
        let position_embedding_type: String?
    }

    private struct SentenceConfig: Decodable { let max_seq_length: Int? }
    private struct TokenizerConfig: Decodable { let do_lower_case: Bool? }
    private struct PoolingConfig: Decodable { let pooling_mode_mean_tokens: Bool? }
    // swiftlint:enable identifier_name
}
