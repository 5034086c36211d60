/// The fraction of outputs on the right side of `threshold`, averaged per sample.
/// Keras: `BinaryAccuracy(threshold=0.5)`.
public struct BinaryAccuracy: Metric {
    public let name: String
    public var threshold: Float

    public init(name: String = "binary_accuracy", threshold: Float = 0.5) {
        self.name = name
        self.threshold = threshold
    }

    public func measure(predictions: Tensor, targets: Tensor) -> MeanState {
        let rows = predictions.rows, width = predictions.rowWidth
        var total = 0.0
        for r in 0..<rows {
            var hits = 0
            for j in r * width..<(r + 1) * width {
                let predicted: Float = predictions.scalars[j] > threshold ? 1 : 0
                if predicted == targets.scalars[j] { hits += 1 }
            }
            total += Double(Float(hits) / Float(width))
        }
        return MeanState(total: total, count: Double(rows))
    }
}

/// Whether the highest output is the labelled class. Keras: `SparseCategoricalAccuracy()`.
public struct SparseCategoricalAccuracy: Metric {
    public let name: String

    public init(name: String = "sparse_categorical_accuracy") { self.name = name }

    public func measure(predictions: Tensor, targets: Tensor) -> MeanState {
        let rows = predictions.rows, width = predictions.rowWidth
        var hits = 0
        for r in 0..<rows
        where Float(ArgMax.of(predictions.scalars, row: r, width: width)) == targets.scalars[r] {
            hits += 1
        }
        return MeanState(total: Double(hits), count: Double(rows))
    }
}

/// Whether the highest output is where the one-hot target is. Keras: `CategoricalAccuracy()`.
public struct CategoricalAccuracy: Metric {
    public let name: String

    public init(name: String = "categorical_accuracy") { self.name = name }

    public func measure(predictions: Tensor, targets: Tensor) -> MeanState {
        let rows = predictions.rows, width = predictions.rowWidth
        var hits = 0
        for r in 0..<rows
        where ArgMax.of(predictions.scalars, row: r, width: width)
            == ArgMax.of(targets.scalars, row: r, width: width)
        {
            hits += 1
        }
        return MeanState(total: Double(hits), count: Double(rows))
    }
}

enum ArgMax {
    /// The index of the largest value in a row; ties go to the lowest index, as in Keras.
    @inline(__always)
    static func of(_ values: [Float], row: Int, width: Int) -> Int {
        let start = row * width
        var best = 0
        for j in 1..<max(width, 1) where values[start + j] > values[start + best] { best = j }
        return best
    }
}
