import Foundation

/// Crossentropy between one-hot (or soft) target rows and a probability (or logit) row.
///
/// Keras: `CategoricalCrossentropy(from_logits=False)`. From probabilities, Keras first divides
/// each row by its sum, then clips to `[1e-7, 1 − 1e-7]`: `−Σ t · log clip(p / Σp)`. From logits
/// it is TensorFlow's softmax crossentropy, `Σt · logsumexp(z) − Σ t · z`, whose gradient
/// TensorFlow takes as `softmax(z) − t` whatever the target row sums to.
public struct CategoricalCrossentropy: Loss {
    public var name: String { "categorical_crossentropy" }
    /// Whether predictions are logits. Defaults to `false`.
    public var fromLogits: Bool
    /// Moves targets toward uniform: `t · (1 − s) + s / classes`. Defaults to 0.
    public var labelSmoothing: Float

    public init(fromLogits: Bool = false, labelSmoothing: Float = 0) {
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    public func readingLogits(of activation: ActivationFunction) -> (any Loss)? {
        activation.producesLogits
            ? CategoricalCrossentropy(fromLogits: true, labelSmoothing: labelSmoothing) : nil
    }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                for r in 0..<rows {
                    let row = p.baseAddress! + r * width, raw = t.baseAddress! + r * width
                    let keep = 1 - labelSmoothing, spread = labelSmoothing / Float(width)
                    func target(_ j: Int) -> Float { raw[j] * keep + spread }
                    var loss: Float = 0
                    if fromLogits {
                        let lse = Crossentropy.logSumExp(row, width: width)
                        for j in 0..<width { loss += target(j) * (lse - row[j]) }
                    } else {
                        var rowSum: Float = 0
                        for j in 0..<width { rowSum += row[j] }
                        for j in 0..<width {
                            loss -= target(j) * Foundation.log(Crossentropy.clip(row[j] / rowSum))
                        }
                    }
                    losses[r] = Float(loss)
                }
            }
        }
    }

    /// From logits, the per-row losses and the gradient share one pass of exponentials, with
    /// the same arithmetic as `sampleLosses` and `gradient` make separately.
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
        let keep = 1 - labelSmoothing, spread = labelSmoothing / Float(width)
        gradient.setRows(rows)
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        let row = p.baseAddress! + r * width, raw = t.baseAddress! + r * width
                        let out = g.baseAddress! + r * width
                        let (maximum, total) = Activations.shiftedExp(row, into: out, width: width)
                        let lse = maximum + Foundation.log(total)
                        var loss: Float = 0
                        for j in 0..<width { loss += (raw[j] * keep + spread) * (lse - row[j]) }
                        losses[r] = Float(loss)
                        let inverse = 1 / total
                        for j in 0..<width {
                            out[j] = scale * (out[j] * inverse - (raw[j] * keep + spread))
                        }
                    }
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
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        let row = p.baseAddress! + r * width, raw = t.baseAddress! + r * width
                        let keep = 1 - labelSmoothing, spread = labelSmoothing / Float(width)
                        func target(_ j: Int) -> Float { raw[j] * keep + spread }
                        let out = g.baseAddress! + r * width
                        if fromLogits {
                            // TensorFlow's fused kernel returns softmax(z) − t even when the
                            // target row does not sum to one (the exact derivative would be
                            // softmax(z) · Σt − t); Keras trains with that, so do we.
                            out.update(from: row, count: width)
                            Activations.softmaxRow(out, width: width)
                            for j in 0..<width { out[j] = scale * (out[j] - target(j)) }
                        } else {
                            // Through the normalisation q = p / S: ∂q_j/∂p_k = (δ_jk − q_j) / S.
                            var rowSum: Float = 0
                            for j in 0..<width { rowSum += row[j] }
                            var weighted: Float = 0
                            for j in 0..<width {
                                let q = row[j] / rowSum
                                let u =
                                    Crossentropy.passesClip(q)
                                    ? -target(j) / Crossentropy.clip(q) : 0
                                out[j] = u
                                weighted += u * q
                            }
                            for j in 0..<width { out[j] = scale * (out[j] - weighted) / rowSum }
                        }
                    }
                }
            }
        }
    }
}
