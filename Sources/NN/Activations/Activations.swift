import CKernels
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
    /// `x` for `x > 0`, else `exp(x) − 1` (Keras's `alpha` 1).
    case elu
    /// Scaled ELU with Keras's constants (α ≈ 1.6733, λ ≈ 1.0507).
    case selu
    /// `log(1 + exp(x))`.
    case softplus
    /// `x / (1 + |x|)`.
    case softsign
    /// `x · sigmoid(x)`, also called SiLU.
    case swish
    /// `0.5 · x · (1 + erf(x / √2))`: Keras's default, exact form.
    case gelu
    /// GELU's tanh approximation: Keras's `gelu(x, approximate=True)`.
    case geluApproximate = "gelu_approximate"
    /// `clip(x / 6 + 0.5, 0, 1)`, as in Keras 3.
    case hardSigmoid = "hard_sigmoid"
    /// `exp(x)`.
    case exponential
    /// `x` for `x ≥ 0`, else `0.2 · x` (Keras's default `negative_slope`).
    case leakyRelu = "leaky_relu"
    /// `min(max(x, 0), 6)`.
    case relu6

    /// Resolves a Keras activation name (`"relu"`, `"ReLU"`, `"silu"`, `"linear"`, …).
    ///
    /// - Throws: `ModelError.unknownName` with a suggestion for a near miss.
    public static func named(_ name: String) throws(ModelError) -> ActivationFunction {
        try Identifiers.resolve(name, in: table, kind: "activation")
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    static let table: [(names: [String], value: ActivationFunction)] = [
        (["linear", "None", "none"], .linear),
        (["relu", "ReLU"], .relu),
        (["sigmoid"], .sigmoid),
        (["softmax", "Softmax"], .softmax),
        (["tanh"], .tanh),
        (["elu", "ELU"], .elu),
        (["selu"], .selu),
        (["softplus"], .softplus),
        (["softsign"], .softsign),
        (["swish", "silu"], .swish),
        (["gelu"], .gelu),
        (["gelu_approximate"], .geluApproximate),
        (["hard_sigmoid"], .hardSigmoid),
        (["exponential"], .exponential),
        (["leaky_relu", "LeakyReLU"], .leakyRelu),
        (["relu6"], .relu6),
    ]

    /// Whether Keras treats this function's input as logits when a crossentropy loss reads its
    /// output (Keras 3 keeps the pre-activation values of sigmoid and softmax for that).
    public var producesLogits: Bool { self == .sigmoid || self == .softmax }

    /// Whether `backward` needs the function's input as well as its output (the functions
    /// whose derivative cannot be written in their output alone).
    public var needsInput: Bool { self == .swish || self == .gelu || self == .geluApproximate }

    static let seluAlpha: Float = 1.673_263_2
    static let seluScale: Float = 1.050_701
    static let leakySlope: Float = 0.2
    static let geluC: Float = 0.797_884_6  // √(2/π)

    /// Applies the function in place to `rows` rows of `width` values.
    public func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let n = rows * width
        switch self {
        case .linear:
            return
        case .relu:
            // Swift's max returns its first argument for NaN: NaN stays NaN, as in TensorFlow.
            for i in 0..<n { values[i] = max(values[i], 0) }
        case .sigmoid:
            for i in 0..<n { values[i] = Activations.sigmoid(values[i]) }
        case .tanh:
            for i in 0..<n { values[i] = Foundation.tanh(values[i]) }
        case .softmax:
            for r in 0..<rows { Activations.softmaxRow(values + r * width, width: width) }
        case .elu:
            for i in 0..<n where values[i] <= 0 { values[i] = Foundation.expm1(values[i]) }
        case .selu:
            let (a, l) = (Self.seluAlpha, Self.seluScale)
            for i in 0..<n {
                let x = values[i]
                values[i] = x > 0 ? l * x : l * a * Foundation.expm1(x)
            }
        case .softplus:
            for i in 0..<n {
                let x = values[i]
                values[i] = max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
            }
        case .softsign:
            for i in 0..<n { values[i] = values[i] / (1 + abs(values[i])) }
        case .swish:
            for i in 0..<n { values[i] = values[i] * Activations.sigmoid(values[i]) }
        case .gelu:
            for i in 0..<n {
                let x = values[i]
                values[i] = 0.5 * x * (1 + Foundation.erf(x / Float(2).squareRoot()))
            }
        case .geluApproximate:
            for i in 0..<n {
                let x = values[i]
                values[i] = 0.5 * x * (1 + Foundation.tanh(Self.geluC * (x + 0.044715 * x * x * x)))
            }
        case .hardSigmoid:
            for i in 0..<n { values[i] = min(max(values[i] / 6 + 0.5, 0), 1) }
        case .exponential:
            for i in 0..<n { values[i] = Foundation.exp(values[i]) }
        case .leakyRelu:
            for i in 0..<n where values[i] < 0 { values[i] *= Self.leakySlope }
        case .relu6:
            for i in 0..<n { values[i] = min(max(values[i], 0), 6) }
        }
    }

    /// Turns `gradient` (dLoss/dOutput) into dLoss/dInput in place. Most derivatives are
    /// written in the `output`; `input` is read only when `needsInput`.
    public func backward(
        input: UnsafePointer<Float>? = nil, output: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>, rows: Int, width: Int
    ) {
        let n = rows * width
        switch self {
        case .linear:
            return
        case .relu:
            nn_relu_backward(output, gradient, n)
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
        case .elu:
            for i in 0..<n where output[i] <= 0 { gradient[i] *= output[i] + 1 }
        case .selu:
            let (a, l) = (Self.seluAlpha, Self.seluScale)
            for i in 0..<n { gradient[i] *= output[i] >= 0 ? l : output[i] + l * a }
        case .softplus:
            for i in 0..<n { gradient[i] *= -Foundation.expm1(-output[i]) }
        case .softsign:
            for i in 0..<n {
                let d = 1 - abs(output[i])
                gradient[i] *= d * d
            }
        case .swish:
            guard let input else { return }
            for i in 0..<n {
                let s = Activations.sigmoid(input[i])
                gradient[i] *= s * (1 + input[i] * (1 - s))
            }
        case .gelu:
            guard let input else { return }
            for i in 0..<n {
                let x = input[i]
                let cdf = 0.5 * (1 + Foundation.erf(x / Float(2).squareRoot()))
                let pdf = Foundation.exp(-0.5 * x * x) * 0.398_942_3  // 1/√(2π)
                gradient[i] *= cdf + x * pdf
            }
        case .geluApproximate:
            guard let input else { return }
            for i in 0..<n {
                let x = input[i]
                let t = Foundation.tanh(Self.geluC * (x + 0.044715 * x * x * x))
                let dt = (1 - t * t) * Self.geluC * (1 + 3 * 0.044715 * x * x)
                gradient[i] *= 0.5 * (1 + t) + 0.5 * x * dt
            }
        case .hardSigmoid:
            for i in 0..<n { gradient[i] *= output[i] > 0 && output[i] < 1 ? 1 / 6 : 0 }
        case .exponential:
            for i in 0..<n { gradient[i] *= output[i] }
        case .leakyRelu:
            for i in 0..<n where !(output[i] > 0) { gradient[i] *= Self.leakySlope }
        case .relu6:
            for i in 0..<n where !(output[i] > 0 && output[i] < 6) { gradient[i] = 0 }
        }
    }
}

/// Scalar and row kernels shared by activations and losses.
enum Activations {
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// Writes `exp(row[j] − max)` into `out` (which may be `row`) and returns the row's maximum
    /// and the sum of the exponentials: softmax's numerators, shifted for stability.
    @inline(__always)
    static func shiftedExp(
        _ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, width: Int
    ) -> (maximum: Float, total: Float) {
        var maximum = -Float.infinity
        for j in 0..<width { maximum = max(maximum, row[j]) }
        var total: Float = 0
        for j in 0..<width {
            out[j] = Foundation.exp(row[j] - maximum)
            total += out[j]
        }
        return (maximum, total)
    }

    /// Softmax of one row in place, shifted by the row maximum for stability.
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, width: Int) {
        let scale = 1 / shiftedExp(row, into: row, width: width).total
        for j in 0..<width { row[j] *= scale }
    }
}
