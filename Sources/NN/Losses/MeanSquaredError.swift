/// The mean of squared differences over the last axis. Keras: `MeanSquaredError()`, `"mse"`.
public struct MeanSquaredError: Loss {
    public var name: String { "mean_squared_error" }

    public init() {}

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
                    var squares: Float = 0
                    for j in r * width..<(r + 1) * width {
                        let d = p[j] - t[j]
                        squares += d * d
                    }
                    losses[r] = Float(squares / Float(width))
                }
            }
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        gradient.setRows(rows)
        let factor = 2 * scale / Float(width)
        predictions.scalars.withUnsafeBufferPointer { p in
            targets.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for j in 0..<rows * width { g[j] = factor * (p[j] - t[j]) }
                }
            }
        }
    }
}
