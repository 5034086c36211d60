import Foundation

/// An element-wise (or, for softmax, row-wise) activation function.
///
/// Keras: `keras.activations`. Used as `Dense(…, activation: .relu)`, `Dense(…, activation:
/// "relu")` or as its own layer, `Activation("relu")`.
public enum ActivationFunction: String, Sendable, CaseIterable {
    case linear
    case relu
    case sigmoid
    case softmax
    case tanh

    /// Resolves a Keras activation name (`"relu"`, `"ReLU"`, `"linear"`, …).
    ///
    /// - Throws: `ModelError.unknownName` with a suggestion for a near miss.
    public static func named(_ name: String) throws(ModelError) -> ActivationFunction {
        try Identifiers.resolve(name, in: table, kind: "activation")
    }

    static let table: [(names: [String], value: ActivationFunction)] = [
        (["linear", "None", "none"], .linear),
        (["relu", "ReLU"], .relu),
        (["sigmoid"], .sigmoid),
        (["softmax", "Softmax"], .softmax),
        (["tanh"], .tanh),
    ]

    /// Whether Keras treats this function's input as logits when a crossentropy loss reads its
    /// output (Keras 3 keeps the pre-activation values of sigmoid and softmax for that).
    public var producesLogits: Bool { self == .sigmoid || self == .softmax }

    /// Applies the function in place to `rows` rows of `width` values.
    public func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let n = rows * width
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<n where values[i] < 0 { values[i] = 0 }  // NaN stays NaN, as in TensorFlow
        case .sigmoid:
            for i in 0..<n { values[i] = Activations.sigmoid(values[i]) }
        case .tanh:
            for i in 0..<n { values[i] = Foundation.tanh(values[i]) }
        case .softmax:
            for r in 0..<rows { Activations.softmaxRow(values + r * width, width: width) }
        }
    }

    /// Turns `gradient` (dLoss/dOutput) into dLoss/dInput in place, from the function's
    /// `output` values: every supported function's derivative can be written in its output.
    public func backward(
        output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, rows: Int, width: Int
    ) {
        let n = rows * width
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<n where !(output[i] > 0) { gradient[i] = 0 }
        case .sigmoid:
            for i in 0..<n { gradient[i] *= output[i] * (1 - output[i]) }
        case .tanh:
            for i in 0..<n { gradient[i] *= 1 - output[i] * output[i] }
        case .softmax:
            for r in 0..<rows {
                let y = output + r * width, g = gradient + r * width
                var dot: Float = 0
                for j in 0..<width { dot += y[j] * g[j] }
                for j in 0..<width { g[j] = y[j] * (g[j] - dot) }
            }
        }
    }
}

/// Scalar and row kernels shared by activations and losses.
enum Activations {
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// Softmax of one row in place, shifted by the row maximum for stability.
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, width: Int) {
        var maximum = -Float.infinity
        for j in 0..<width { maximum = max(maximum, row[j]) }
        var total: Float = 0
        for j in 0..<width {
            row[j] = Foundation.exp(row[j] - maximum)
            total += row[j]
        }
        let scale = 1 / total
        for j in 0..<width { row[j] *= scale }
    }
}
