import Foundation

/// Crossentropy between integer class labels and a probability (or logit) row.
///
/// Keras: `SparseCategoricalCrossentropy(from_logits=False)`. Targets have shape `(n,)` or
/// `(n, 1)` and hold class indices in `0..<width`. From probabilities, Keras clips them to
/// `[1e-7, 1 − 1e-7]`, takes their logarithms and then a softmax crossentropy of those, so a
/// row that does not sum to one is normalised: `log Σ clip(p) − log clip(p[y])`.
public struct SparseCategoricalCrossentropy: Loss {
    public var name: String { "sparse_categorical_crossentropy" }
    /// Whether predictions are logits. Defaults to `false`.
    public var fromLogits: Bool

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func readingLogits(of activation: ActivationFunction) -> (any Loss)? {
        activation.producesLogits ? SparseCategoricalCrossentropy(fromLogits: true) : nil
    }

    public func validate(targets: Tensor, outputWidth: Int) throws(ModelError) {
        guard targets.rowWidth == 1, targets.shape.count <= 2 else {
            throw .invalidData(
                "Loss '\(name)' needs one integer class label per sample. Received: targets of "
                    + "shape \(ModelError.render(targets.shape))")
        }
        for (row, label) in targets.values.enumerated()
        where !(label >= 0 && label < Float(outputWidth) && label.rounded() == label) {
            if label >= 0, label < Float(outputWidth) {
                throw .invalidData(
                    "Received a label value of \(Labels.render(label)) (sample \(row)), which is "
                        + "not a class index: labels must be whole numbers in [0, \(outputWidth)).")
            }
            throw .invalidData(
                "Received a label value of \(Labels.render(label)) (sample \(row)) which is outside "
                    + "the valid range of [0, \(outputWidth)) for an output of \(outputWidth) units."
            )
        }
    }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        predictions.scalars.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                let row = p.baseAddress! + r * width, label = Int(targets.scalars[r])
                if fromLogits {
                    losses[r] = Float(Crossentropy.logSumExp(row, width: width) - row[label])
                } else {
                    var clippedSum: Float = 0
                    for j in 0..<width { clippedSum += Crossentropy.clip(row[j]) }
                    losses[r] = Float(
                        Foundation.log(clippedSum) - Foundation.log(Crossentropy.clip(row[label])))
                }
            }
        }
    }

    /// From logits, one pass computes the softmax for both the loss and its gradient, with the
    /// same arithmetic as `sampleLosses` and `gradient` make separately.
    public func lossesAndGradient(
        predictions: Tensor, targets: Tensor, scale: Float, losses: UnsafeMutablePointer<Float>,
        into gradient: inout Tensor
    ) {
        guard fromLogits else {
            return lossesAndGradientSeparately(
                predictions: predictions, targets: targets, scale: scale, losses: losses,
                into: &gradient)
        }
        let rows = predictions.rows, width = predictions.rowWidth
        gradient.setRows(rows)
        predictions.scalars.withUnsafeBufferPointer { p in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let row = p.baseAddress! + r * width, out = g.baseAddress! + r * width
                    let label = Int(targets.scalars[r])
                    let (maximum, total) = Activations.shiftedExp(row, into: out, width: width)
                    losses[r] = maximum + Foundation.log(total) - row[label]
                    let inverse = 1 / total
                    for j in 0..<width { out[j] = out[j] * inverse * scale }
                    out[label] -= scale
                }
            }
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        gradient.setRows(rows)
        predictions.scalars.withUnsafeBufferPointer { p in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let row = p.baseAddress! + r * width, out = g.baseAddress! + r * width
                    let label = Int(targets.scalars[r])
                    if fromLogits {
                        // softmax(z) − onehot(y)
                        out.update(from: row, count: width)
                        Activations.softmaxRow(out, width: width)
                        for j in 0..<width { out[j] *= scale }
                        out[label] -= scale
                    } else {
                        var clippedSum: Float = 0
                        for j in 0..<width { clippedSum += Crossentropy.clip(row[j]) }
                        for j in 0..<width {
                            var d = 1 / clippedSum
                            if j == label { d -= 1 / Crossentropy.clip(row[j]) }
                            out[j] = Crossentropy.passesClip(row[j]) ? scale * d : 0
                        }
                    }
                }
            }
        }
    }
}

/// Helpers shared by the crossentropy losses.
enum Crossentropy {
    @inline(__always)
    static func clip(_ p: Float) -> Float {
        min(max(p, probabilityEpsilon), 1 - probabilityEpsilon)
    }

    /// Whether a gradient flows through the clip at `p` (TensorFlow passes it at the bounds).
    @inline(__always)
    static func passesClip(_ p: Float) -> Bool {
        p >= probabilityEpsilon && p <= 1 - probabilityEpsilon
    }

    /// `log Σ exp(row)`, shifted by the maximum for stability.
    @inline(__always)
    static func logSumExp(_ row: UnsafePointer<Float>, width: Int) -> Float {
        var maximum = -Float.infinity
        for j in 0..<width { maximum = max(maximum, row[j]) }
        var total: Float = 0
        for j in 0..<width { total += Foundation.exp(row[j] - maximum) }
        return maximum + Foundation.log(total)
    }
}

enum Labels {
    /// A label as a user wrote it: `5`, not `5.0`.
    static func render(_ value: Float) -> String {
        value.rounded() == value && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}
