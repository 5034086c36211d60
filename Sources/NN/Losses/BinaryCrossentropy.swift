import Foundation

/// Crossentropy of independent yes/no outputs, averaged over the last axis.
///
/// Keras: `BinaryCrossentropy(from_logits=False)`. From probabilities, Keras clips them to
/// `[1e-7, 1 − 1e-7]`: `−(t · log p + (1 − t) · log(1 − p))`. From logits it is TensorFlow's
/// stable `max(z, 0) − z · t + log(1 + exp(−|z|))`.
public struct BinaryCrossentropy: Loss {
    public var name: String { "binary_crossentropy" }
    /// Whether predictions are logits. Defaults to `false`.
    public var fromLogits: Bool
    /// Moves targets toward 0.5: `t · (1 − s) + s / 2`. Defaults to 0.
    public var labelSmoothing: Float

    public init(fromLogits: Bool = false, labelSmoothing: Float = 0) {
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    public func readingLogits(of activation: ActivationFunction) -> (any Loss)? {
        activation.producesLogits
            ? BinaryCrossentropy(fromLogits: true, labelSmoothing: labelSmoothing) : nil
    }

    public func validate(targets: Tensor, outputWidth: Int) throws(ModelError) {
        try validateSameWidth(targets: targets, outputWidth: outputWidth)
    }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                for r in 0..<rows {
                    var loss: Float = 0
                    for j in r * width..<(r + 1) * width {
                        let x = p[j], y = t[j] * (1 - labelSmoothing) + 0.5 * labelSmoothing
                        if fromLogits {
                            loss += max(x, 0) - x * y + Foundation.log1p(Foundation.exp(-abs(x)))
                        } else {
                            let c = Crossentropy.clip(x)
                            loss -= y * Foundation.log(c) + (1 - y) * Foundation.log(1 - c)
                        }
                    }
                    losses[r] = Float(loss / Float(width))
                }
            }
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        gradient.setRows(rows)
        let scale = scale / Float(width)
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for j in 0..<rows * width {
                        let x = p[j], y = t[j] * (1 - labelSmoothing) + 0.5 * labelSmoothing
                        if fromLogits {
                            g[j] = scale * (Activations.sigmoid(x) - y)
                        } else if Crossentropy.passesClip(x) {
                            g[j] = scale * ((1 - y) / (1 - x) - y / x)
                        } else {
                            g[j] = 0
                        }
                    }
                }
            }
        }
    }
}
