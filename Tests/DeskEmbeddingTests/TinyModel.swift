import Foundation
@testable import DeskEmbedding

/// A BERT small enough to write in a test (hidden 8, 2 heads, 2 layers, the tokenizer tests' vocabulary),
/// with deterministic pseudo-random weights: exercises loading and the forward pass without the real model.
struct TinyModel {
    static let hidden = 8
    static let intermediate = 12
    static let positions = 16
    static let layers = 2

    /// Writes the model into a new temporary directory and returns it.
    static func write(maxSeqLength: Int = 10, hiddenAct: String = "gelu") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-tiny-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let vocabulary = TokenizerTests.tokens
        let config = """
            {"hidden_size": \(hidden), "num_hidden_layers": \(layers), "num_attention_heads": 2, "intermediate_size": \(intermediate),
             "max_position_embeddings": \(positions), "vocab_size": \(vocabulary.count), "type_vocab_size": 2,
             "layer_norm_eps": 1e-12, "hidden_act": "\(hiddenAct)"}
            """
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        try Data("{\"max_seq_length\": \(maxSeqLength)}".utf8).write(to: directory.appendingPathComponent("sentence_bert_config.json"))
        try Data((vocabulary.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("vocab.txt"))
        try safetensors(vocabularySize: vocabulary.count).write(to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    /// Every tensor `BertEncoder` reads, in one safetensors file.
    static func safetensors(vocabularySize: Int) -> Data {
        var tensors: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [vocabularySize, hidden]),
            ("embeddings.position_embeddings.weight", [positions, hidden]),
            ("embeddings.token_type_embeddings.weight", [2, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<layers {
            let p = "encoder.layer.\(layer)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                tensors += [(p + name + ".weight", [hidden, hidden]), (p + name + ".bias", [hidden])]
            }
            tensors += [(p + "intermediate.dense.weight", [intermediate, hidden]), (p + "intermediate.dense.bias", [intermediate]),
                        (p + "output.dense.weight", [hidden, intermediate]), (p + "output.dense.bias", [hidden])]
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                tensors += [(p + norm + ".weight", [hidden]), (p + norm + ".bias", [hidden])]
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var payload: [UInt8] = []
        var entries: [String] = []
        for (name, shape) in tensors {
            let start = payload.count
            for _ in 0..<shape.reduce(1, *) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let value = Float(Int64(state >> 40) - (1 << 23)) / Float(1 << 23) * 0.5
                payload += (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
            }
            entries.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(start),\(payload.count)]}")
        }
        let header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * $0)) } + header + payload)
    }
}
