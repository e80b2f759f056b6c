import COpenBLAS
import Foundation

/// A fully connected layer, `y = x · Wᵀ + b`, with `W` stored `[outputs, inputs]` row-major as PyTorch
/// saves it; the product is one OpenBLAS `cblas_sgemm` over all rows.
struct DenseLayer: Sendable {
    let weight: [Float]
    let bias: [Float]
    let inputs: Int
    let outputs: Int

    /// Reads `<prefix>.weight` and `<prefix>.bias` from `file`.
    init(_ file: SafeTensors, _ prefix: String, inputs: Int, outputs: Int) throws {
        weight = try file.floats(prefix + ".weight", shape: [outputs, inputs])
        bias = try file.floats(prefix + ".bias", shape: [outputs])
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Several layers over the same input as one wider layer (the attention's query, key and value).
    init(stacking layers: [DenseLayer]) {
        weight = layers.flatMap(\.weight)
        bias = layers.flatMap(\.bias)
        inputs = layers.first?.inputs ?? 0
        outputs = layers.reduce(0) { $0 + $1.outputs }
    }

    /// Writes `rows × outputs` floats to `y` from `rows × inputs` floats at `x` (both row-major, packed).
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        bias.withUnsafeBufferPointer { b in
            guard let b = b.baseAddress else { return }
            for row in 0..<rows { (y + row * outputs).update(from: b, count: outputs) }
        }
        weight.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(outputs), blasint(inputs),
                        1, x, blasint(inputs), w.baseAddress, blasint(inputs), 1, y, blasint(outputs))
        }
    }
}

/// Layer normalisation over each row of `width` floats: zero mean, unit variance, then scale and shift.
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let epsilon: Float

    /// Reads `<prefix>.weight` and `<prefix>.bias` from `file`.
    init(_ file: SafeTensors, _ prefix: String, width: Int, epsilon: Float) throws {
        weight = try file.floats(prefix + ".weight", shape: [width])
        bias = try file.floats(prefix + ".bias", shape: [width])
        self.epsilon = epsilon
    }

    /// Normalises `rows` rows at `x` in place, after adding `residual` to them when given.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, adding residual: UnsafePointer<Float>? = nil) {
        let width = weight.count
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for row in 0..<rows {
                    let v = x + row * width
                    if let residual {
                        let r = residual + row * width
                        for i in 0..<width { v[i] += r[i] }
                    }
                    var sum: Float = 0
                    for i in 0..<width { sum += v[i] }
                    let mean = sum / Float(width)
                    var squares: Float = 0
                    for i in 0..<width {
                        let d = v[i] - mean
                        squares += d * d
                    }
                    let scale = 1 / (squares / Float(width) + epsilon).squareRoot()
                    for i in 0..<width { v[i] = (v[i] - mean) * scale * w[i] + b[i] }
                }
            }
        }
    }
}

/// The exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))` (BERT's "gelu", not the tanh approximation), in place.
func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let invSqrt2 = Float(0.5.squareRoot())
    for i in 0..<count {
        let v = x[i]
        x[i] = 0.5 * v * (1 + erf(v * invSqrt2))
    }
}

/// Softmax of each row of `width` floats at `x`, in place.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
    for row in 0..<rows {
        let v = x + row * width
        var maximum = -Float.infinity
        for i in 0..<width { maximum = max(maximum, v[i]) }
        var sum: Float = 0
        for i in 0..<width {
            let e = exp(v[i] - maximum)
            v[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in 0..<width { v[i] *= scale }
    }
}
