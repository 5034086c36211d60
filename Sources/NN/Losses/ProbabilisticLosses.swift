import Foundation

/// Kullback–Leibler divergence `Σ t · log(t / p)`, both clipped to `[1e-7, 1]`.
/// Keras: `KLDivergence()`, `"kl_divergence"`, `"kld"` (Keras 2's
/// `"kullback_leibler_divergence"` is accepted too).
public struct KLDivergence: Loss {
    public var name: String { "kl_divergence" }
    public init() {}
    @inline(__always) private func clip(_ x: Float) -> Float { min(max(x, probabilityEpsilon), 1) }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let rows = predictions.rows, width = predictions.rowWidth
        for r in 0..<rows {
            var row: Float = 0
            for j in r * width..<(r + 1) * width {
                let t = clip(targets.scalars[j]), p = clip(predictions.scalars[j])
                row += t * Foundation.log(t / p)
            }
            losses[r] = Float(row)
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        gradient.setRows(predictions.rows)
        for j in 0..<predictions.count {
            let p = predictions.scalars[j]
            let passes = p >= probabilityEpsilon && p <= 1
            gradient.scalars[j] = passes ? -scale * clip(targets.scalars[j]) / clip(p) : 0
        }
    }
}

/// The negated cosine similarity of each prediction row and target row: −1 when they point the
/// same way. Keras: `CosineSimilarity(axis=-1)`, `"cosine_similarity"` (Keras 2's
/// `"cosine_proximity"` is accepted too).
public struct CosineSimilarity: Loss {
    public var name: String { "cosine_similarity" }
    public init() {}
    /// Keras normalises with `x / √max(Σx², 1e-12)`.
    private func norm(_ t: Tensor, _ r: Int) -> Float {
        let width = t.rowWidth
        var squares: Float = 0
        for j in r * width..<(r + 1) * width { squares += t.scalars[j] * t.scalars[j] }
        return max(squares, 1e-12).squareRoot()
    }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let width = predictions.rowWidth
        for r in 0..<predictions.rows {
            let np = norm(predictions, r), nt = norm(targets, r)
            var dot: Float = 0
            for j in r * width..<(r + 1) * width {
                dot += (targets.scalars[j] / nt) * (predictions.scalars[j] / np)
            }
            losses[r] = -dot
        }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let width = predictions.rowWidth
        gradient.setRows(predictions.rows)
        for r in 0..<predictions.rows {
            let np = norm(predictions, r), nt = norm(targets, r)
            var dot: Float = 0
            for j in r * width..<(r + 1) * width {
                dot += (targets.scalars[j] / nt) * (predictions.scalars[j] / np)
            }
            for j in r * width..<(r + 1) * width {
                let tHat = targets.scalars[j] / nt, pHat = predictions.scalars[j] / np
                gradient.scalars[j] = -scale * (tHat - dot * pHat) / np
            }
        }
    }
}
