import COpenBLAS
import Foundation

/// BERT's forward pass and sentence-transformers' pooling: token ids in, one unit vector per sequence out.
///
/// Embeddings (word + position + token type 0) and LayerNorm, then per layer: self-attention (fused
/// query/key/value product, scaled dot products, softmax), output projection + residual + LayerNorm,
/// intermediate projection with exact GELU, output projection + residual + LayerNorm; then the mean over
/// the sequence's tokens and L2 normalisation.
///
/// A batch is packed, not padded: the sequences' tokens are rows of one matrix, so every projection is one
/// `sgemm` over all of them, and attention runs per sequence over that sequence's rows only. This is the
/// padded batch with its attention mask (a padded key gets weight exp(-∞) = 0, a padded query row is never
/// pooled) without computing the padding. Immutable after loading, so any number of threads may call it;
/// each call allocates its own scratch memory (about 14 KB per token for this model).
struct BertEncoder: Sendable {
    private struct Layer: Sendable {
        let queryKeyValue: DenseLayer
        let attentionOutput: DenseLayer
        let attentionNorm: LayerNorm
        let intermediate: DenseLayer
        let output: DenseLayer
        let outputNorm: LayerNorm
    }

    let configuration: ModelConfiguration
    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let tokenTypeEmbedding: [Float]
    private let embeddingNorm: LayerNorm
    private let layers: [Layer]

    /// Reads the tensors `configuration` calls for from `file`, checking every shape.
    init(_ file: SafeTensors, configuration c: ModelConfiguration) throws {
        let h = c.hiddenSize
        configuration = c
        wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [c.vocabularySize, h])
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [c.maxPositions, h])
        tokenTypeEmbedding = Array(try file.floats("embeddings.token_type_embeddings.weight",
                                                   shape: [c.typeVocabularySize, h])[0..<h])
        embeddingNorm = try LayerNorm(file, "embeddings.LayerNorm", width: h, epsilon: c.layerNormEpsilon)
        layers = try (0..<c.layers).map { index in
            let p = "encoder.layer.\(index)."
            return Layer(
                queryKeyValue: DenseLayer(stacking: try ["query", "key", "value"].map {
                    try DenseLayer(file, p + "attention.self." + $0, inputs: h, outputs: h)
                }),
                attentionOutput: try DenseLayer(file, p + "attention.output.dense", inputs: h, outputs: h),
                attentionNorm: try LayerNorm(file, p + "attention.output.LayerNorm", width: h, epsilon: c.layerNormEpsilon),
                intermediate: try DenseLayer(file, p + "intermediate.dense", inputs: h, outputs: c.intermediateSize),
                output: try DenseLayer(file, p + "output.dense", inputs: c.intermediateSize, outputs: h),
                outputNorm: try LayerNorm(file, p + "output.LayerNorm", width: h, epsilon: c.layerNormEpsilon))
        }
    }

    /// One unit-length vector of `hiddenSize` floats per sequence. Each sequence must be non-empty, at most
    /// `maxPositions` long, with ids below `vocabularySize` (the tokenizer's output always is).
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let lengths = sequences.map(\.count)
        let tokens = lengths.reduce(0, +)
        let longest = lengths.max() ?? 0
        guard tokens > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }

        let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens * h)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tokens * h)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: tokens * 3 * h)
        let wide = UnsafeMutablePointer<Float>.allocate(capacity: tokens * c.intermediateSize)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest * longest)
        defer { [x, scratch, qkv, wide, scores].forEach { $0.deallocate() } }

        embedTokens(sequences, into: x)
        embeddingNorm.apply(x, rows: tokens)
        for layer in layers {
            layer.queryKeyValue.apply(x, rows: tokens, into: qkv)
            attend(qkv, lengths: lengths, scores: scores, into: scratch)
            layer.attentionOutput.apply(scratch, rows: tokens, into: wide)
            layer.attentionNorm.apply(wide, rows: tokens, adding: x)
            x.update(from: wide, count: tokens * h)
            layer.intermediate.apply(x, rows: tokens, into: wide)
            gelu(wide, count: tokens * c.intermediateSize)
            layer.output.apply(wide, rows: tokens, into: scratch)
            layer.outputNorm.apply(scratch, rows: tokens, adding: x)
            x.update(from: scratch, count: tokens * h)
        }
        return pool(x, lengths: lengths)
    }

    /// Word + position + token-type-0 embeddings, one row per token.
    private func embedTokens(_ sequences: [[Int32]], into x: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        wordEmbeddings.withUnsafeBufferPointer { word in
            positionEmbeddings.withUnsafeBufferPointer { position in
                tokenTypeEmbedding.withUnsafeBufferPointer { type in
                    var row = 0
                    for sequence in sequences {
                        for (index, id) in sequence.enumerated() {
                            let target = x + row * h
                            let w = Int(id) * h
                            let p = index * h
                            for i in 0..<h { target[i] = word[w + i] + position[p + i] + type[i] }
                            row += 1
                        }
                    }
                }
            }
        }
    }

    /// Multi-head self-attention of each sequence over its own rows of `qkv` (`[tokens, 3·hidden]`: queries,
    /// keys, values), the heads' contexts side by side in `context` (`[tokens, hidden]`).
    private func attend(_ qkv: UnsafeMutablePointer<Float>, lengths: [Int], scores: UnsafeMutablePointer<Float>,
                        into context: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        let d = configuration.headSize
        let stride = blasint(3 * h)
        let scale = 1 / Float(d).squareRoot()
        var first = 0
        for n in lengths {
            let rows = qkv + first * 3 * h
            for head in 0..<configuration.heads {
                let q = rows + head * d
                let k = rows + h + head * d
                let v = rows + 2 * h + head * d
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(n), blasint(d),
                            scale, q, stride, k, stride, 0, scores, blasint(n))
                softmaxRows(scores, rows: n, width: n)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(n), blasint(d), blasint(n),
                            1, scores, blasint(n), v, stride, 0, context + first * h + head * d, blasint(h))
            }
            first += n
        }
    }

    /// The mean of each sequence's rows, scaled to unit length.
    private func pool(_ x: UnsafeMutablePointer<Float>, lengths: [Int]) -> [[Float]] {
        let h = configuration.hiddenSize
        var first = 0
        return lengths.map { n in
            var mean = [Float](repeating: 0, count: h)
            for row in first..<first + n {
                for i in 0..<h { mean[i] += x[row * h + i] }
            }
            first += n
            var norm: Float = 0
            for i in 0..<h { norm += mean[i] * mean[i] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            return mean.map { $0 * scale }
        }
    }
}
