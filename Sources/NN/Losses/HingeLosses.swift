/// Keras's hinge losses take labels as −1/1; a batch of 0/1 labels is converted to −1/1 first.
enum HingeLabels {
    /// Whether every target is 0 or 1 (then Keras maps them with `2t − 1`).
    static func areBinary(_ targets: Tensor) -> Bool {
        targets.values.allSatisfy { $0 == 0 || $0 == 1 }
    }
}

/// `mean(max(1 − t · p, 0))` with −1/1 labels. Keras: `Hinge()`.
///
/// Converting 0/1 labels looks at the targets of the rows at hand, which under MPI are one
/// rank's slice of the batch; Keras looks at the whole batch. They agree unless one batch
/// mixes 0/1 and other labels.
public struct Hinge: Loss {
    public var name: String { "hinge" }
    public init() {}
    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        HingeCore(squared: false).sampleLosses(
            predictions: predictions, targets: targets, into: losses)
    }
    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        HingeCore(squared: false).gradient(
            predictions: predictions, targets: targets, scale: scale, into: &gradient)
    }
}

/// `mean(max(1 − t · p, 0)²)` with −1/1 labels. Keras: `SquaredHinge()`.
public struct SquaredHinge: Loss {
    public var name: String { "squared_hinge" }
    public init() {}
    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        HingeCore(squared: true).sampleLosses(
            predictions: predictions, targets: targets, into: losses)
    }
    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        HingeCore(squared: true).gradient(
            predictions: predictions, targets: targets, scale: scale, into: &gradient)
    }
}

/// The shared arithmetic of `Hinge` and `SquaredHinge`.
struct HingeCore {
    let squared: Bool

    func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        let binary = HingeLabels.areBinary(targets)
        let rows = predictions.rows, width = predictions.rowWidth
        for r in 0..<rows {
            var row: Float = 0
            for j in r * width..<(r + 1) * width {
                let t = binary ? 2 * targets.scalars[j] - 1 : targets.scalars[j]
                let margin = max(1 - t * predictions.scalars[j], 0)
                row += squared ? margin * margin : margin
            }
            losses[r] = Float(row / Float(width))
        }
    }

    func gradient(predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor) {
        let binary = HingeLabels.areBinary(targets)
        gradient.setRows(predictions.rows)
        let factor = scale / Float(predictions.rowWidth)
        for j in 0..<predictions.count {
            let t = binary ? 2 * targets.scalars[j] - 1 : targets.scalars[j]
            let margin = 1 - t * predictions.scalars[j]
            gradient.scalars[j] = margin > 0 ? factor * (squared ? -2 * margin * t : -t) : 0
        }
    }
}

/// `max(max((1 − t) · p) − Σ t · p + 1, 0)` per sample. Keras: `CategoricalHinge()`.
public struct CategoricalHinge: Loss {
    public var name: String { "categorical_hinge" }
    public init() {}
    /// The loss of row `r` and the index of its largest negative term.
    private func row(_ r: Int, _ p: Tensor, _ t: Tensor) -> (loss: Float, argmax: Int) {
        let width = p.rowWidth, start = r * width
        var positive: Float = 0, negative = -Float.infinity, argmax = 0
        for j in 0..<width {
            positive += t.scalars[start + j] * p.scalars[start + j]
            let n = (1 - t.scalars[start + j]) * p.scalars[start + j]
            if n > negative { (negative, argmax) = (n, j) }
        }
        return (max(negative - positive + 1, 0), argmax)
    }

    public func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<predictions.rows { losses[r] = row(r, predictions, targets).loss }
    }

    public func gradient(
        predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor
    ) {
        let width = predictions.rowWidth
        gradient.setRows(predictions.rows)
        for r in 0..<predictions.rows {
            let (loss, argmax) = row(r, predictions, targets)
            for j in 0..<width {
                let t = targets.scalars[r * width + j]
                gradient.scalars[r * width + j] =
                    loss > 0 ? scale * ((j == argmax ? 1 - t : 0) - t) : 0
            }
        }
    }
}
