/// A loss that is the mean, over the last axis, of a function of each prediction and its
/// target, like most of Keras's regression and hinge losses.
protocol ElementwiseLoss: Loss {
    /// The loss of one element.
    func value(_ prediction: Float, _ target: Float) -> Float
    /// Its derivative with respect to the prediction.
    func derivative(_ prediction: Float, _ target: Float) -> Float
}

extension ElementwiseLoss {
    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                for r in 0..<rows {
                    var row: Float = 0
                    for j in r * width..<(r + 1) * width { row += value(p[j], t[j]) }
                    losses[r] = Float(row / Float(width))
                }
            }
        }
    }

    /// The per-row losses and the gradient in one pass over the data (the same operations as
    /// `sampleLosses` and `gradient`).
    public func lossesAndGradient(
        predictions: Tensor, targets: Tensor, scale: Float, losses: UnsafeMutablePointer<Float>,
        into gradient: inout Tensor
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        gradient.setRows(rows)
        let factor = scale / Float(width)
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        var row: Float = 0
                        for j in r * width..<(r + 1) * width {
                            row += value(p[j], t[j])
                            g[j] = factor * derivative(p[j], t[j])
                        }
                        losses[r] = Float(row / Float(width))
                    }
                }
            }
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let count = predictions.count
        gradient.setRows(predictions.rows)
        let factor = scale / Float(predictions.rowWidth)
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for j in 0..<count { g[j] = factor * derivative(p[j], t[j]) }
                }
            }
        }
    }
}

/// The sign TensorFlow uses for gradients of `abs` and `max`: 0 at 0.
@inline(__always)
func signum(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
