/// The fraction of outputs on the right side of `threshold`, averaged per sample.
/// Keras: `BinaryAccuracy(threshold=0.5)`.
public struct BinaryAccuracy: MeanMetric {
    public let name: String
    public var threshold: Float

    public init(name: String = "binary_accuracy", threshold: Float = 0.5) {
        self.name = name
        self.threshold = threshold
    }

    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float {
        let width = predictions.rowWidth
        var hits = 0
        for j in row * width..<(row + 1) * width {
            let predicted: Float = predictions.scalars[j] > threshold ? 1 : 0
            if predicted == targets.scalars[j] { hits += 1 }
        }
        return Float(hits) / Float(width)
    }
}

/// Whether the highest output is the labelled class. Keras: `SparseCategoricalAccuracy()`.
public struct SparseCategoricalAccuracy: MeanMetric {
    public let name: String

    public init(name: String = "sparse_categorical_accuracy") { self.name = name }
    public var readsClassLabels: Bool { true }

    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float {
        Float(ArgMax.of(predictions.scalars, row: row, width: predictions.rowWidth))
            == targets.scalars[row] ? 1 : 0
    }
}

/// Whether the highest output is where the one-hot target is. Keras: `CategoricalAccuracy()`.
public struct CategoricalAccuracy: MeanMetric {
    public let name: String

    public init(name: String = "categorical_accuracy") { self.name = name }

    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float {
        let width = predictions.rowWidth
        return ArgMax.of(predictions.scalars, row: row, width: width)
            == ArgMax.of(targets.scalars, row: row, width: width) ? 1 : 0
    }
}

/// Whether the target class is among the `k` highest outputs (classes tied with the k-th
/// count as in, as TensorFlow's `in_top_k` does). Keras: `TopKCategoricalAccuracy(k=5)`.
public struct TopKCategoricalAccuracy: MeanMetric {
    public let name: String
    public var k: Int

    public init(name: String = "top_k_categorical_accuracy", k: Int = 5) {
        self.name = name
        self.k = k
    }

    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float {
        let target = ArgMax.of(targets.scalars, row: row, width: targets.rowWidth)
        return ArgMax.inTopK(
            predictions.scalars, row: row, width: predictions.rowWidth, target: target, k: k)
            ? 1 : 0
    }
}

/// Whether the labelled class is among the `k` highest outputs.
/// Keras: `SparseTopKCategoricalAccuracy(k=5)`.
public struct SparseTopKCategoricalAccuracy: MeanMetric {
    public let name: String
    public var k: Int

    public var readsClassLabels: Bool { true }

    public init(name: String = "sparse_top_k_categorical_accuracy", k: Int = 5) {
        self.name = name
        self.k = k
    }

    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float {
        let target = ArgMax.classIndex(targets.scalars[row])
        return ArgMax.inTopK(
            predictions.scalars, row: row, width: predictions.rowWidth, target: target, k: k)
            ? 1 : 0
    }
}

package enum ArgMax {
    /// A float label as a class index, or -1 when it is not a representable whole number.
    @inline(__always)
    package static func classIndex(_ value: Float) -> Int {
        guard value.isFinite, abs(value) < 1e9 else { return -1 }
        return Int(value.rounded())
    }

    /// The index of the largest value in a row; ties go to the lowest index, as in Keras.
    @inline(__always)
    package static func of(_ values: [Float], row: Int, width: Int) -> Int {
        let start = row * width
        var best = 0
        for j in 1..<max(width, 1) where values[start + j] > values[start + best] { best = j }
        return best
    }

    /// Whether fewer than `k` classes score strictly higher than `target`.
    static func inTopK(_ values: [Float], row: Int, width: Int, target: Int, k: Int) -> Bool {
        guard target >= 0, target < width else { return false }
        let start = row * width, score = values[start + target]
        var higher = 0
        for j in 0..<width where values[start + j] > score { higher += 1 }
        return higher < k
    }
}
