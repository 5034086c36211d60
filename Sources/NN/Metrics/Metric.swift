/// A running mean kept as a sum and a count, so that ranks can add their states exactly.
public struct MeanState: Sendable, Equatable {
    public var total = 0.0
    public var count = 0.0

    public init(total: Double = 0, count: Double = 0) {
        self.total = total
        self.count = count
    }

    /// The mean so far (0 before any value, as Keras's `divide_no_nan`).
    public var mean: Double { count > 0 ? total / count : 0 }

    public static func += (lhs: inout MeanState, rhs: MeanState) {
        lhs.total += rhs.total
        lhs.count += rhs.count
    }
}

/// A quantity reported during training and evaluation. Keras: `keras.metrics`.
///
/// A metric keeps only sums (`stateSize` of them): the trainer adds each batch's sums across
/// ranks and batches, so the reported value is exact for any number of ranks. A mean is a
/// `(total, count)` pair; precision keeps true and false positives; AUC keeps confusion counts
/// at each threshold.
public protocol Metric: Sendable {
    /// The key in logs and `History`: `"accuracy"`.
    var name: String { get }
    /// How many sums the metric keeps.
    var stateSize: Int { get }
    /// Adds the rows of `predictions` (weighted by `weights`, one per row, when given) to
    /// `state`.
    func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>)
    /// The metric's value from its sums.
    func result(_ state: UnsafePointer<Double>) -> Double
    /// Whether the metric reads one class label per sample (rather than a value per output).
    var readsClassLabels: Bool { get }
}

/// A metric that is the (weighted) mean of a per-sample value.
protocol MeanMetric: Metric {
    /// The value of row `row`.
    func sampleValue(predictions: Tensor, targets: Tensor, row: Int) -> Float
}

extension MeanMetric {
    public var stateSize: Int { 2 }

    public func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>
    ) {
        for row in 0..<predictions.rows {
            let weight = Double(weights?[row] ?? 1)
            state[0] +=
                weight * Double(sampleValue(predictions: predictions, targets: targets, row: row))
            state[1] += weight
        }
    }

    public func result(_ state: UnsafePointer<Double>) -> Double {
        MeanState(total: state[0], count: state[1]).mean
    }
}

extension Metric {
    public var readsClassLabels: Bool { false }

    /// Checks that targets `targetWidth` values wide can be compared with outputs
    /// `outputWidth` wide.
    func validate(targetWidth: Int, outputWidth: Int) throws(ModelError) {
        let expected = readsClassLabels ? 1 : outputWidth
        guard targetWidth == expected else {
            throw .invalidData(
                "Metric '\(name)' needs \(readsClassLabels ? "one class label" : "\(outputWidth) target value(s)") "
                    + "per sample to compare with the model's \(outputWidth) output(s). Received: "
                    + "\(targetWidth) per sample")
        }
    }

    /// The value of this metric over one batch alone (allocates; for tests and reports).
    ///
    /// - Throws: `ModelError.invalidData` when `targets` do not fit `predictions` (another row
    ///   count or width).
    public func value(predictions: Tensor, targets: Tensor) throws(ModelError) -> Double {
        guard targets.rows == predictions.rows else {
            throw .invalidData(
                "Metric '\(name)' needs one target row per prediction row. Received: "
                    + "\(targets.rows) target rows for \(predictions.rows) predictions")
        }
        if let lossMetric = self as? LossMetric {
            // The loss's own check: class labels in range, for a crossentropy.
            try lossMetric.loss.validate(targets: targets, outputWidth: predictions.rowWidth)
        } else {
            try validate(targetWidth: targets.rowWidth, outputWidth: predictions.rowWidth)
        }
        var state = [Double](repeating: 0, count: stateSize)
        state.withUnsafeMutableBufferPointer {
            accumulate(
                predictions: predictions, targets: targets, weights: nil, into: $0.baseAddress!)
        }
        return state.withUnsafeBufferPointer { result($0.baseAddress!) }
    }
}

/// Resolves metric names.
public enum Metrics {
    /// Resolves a Keras metric name for a model whose outputs are `outputWidth` wide and whose
    /// targets have `targetWidth` values per sample.
    ///
    /// `"accuracy"` (or `"acc"`) becomes binary accuracy for a single output, sparse
    /// categorical accuracy for one label per sample, and categorical accuracy otherwise, as in
    /// Keras; the logged name stays as written.
    public static func named(_ name: String, outputWidth: Int, targetWidth: Int)
        throws(ModelError) -> any Metric
    {
        let kind = try Identifiers.resolve(name, in: table, kind: "metric")
        switch kind {
        case .accuracy:
            if outputWidth == 1 { return BinaryAccuracy(name: name) }
            if targetWidth == 1 { return SparseCategoricalAccuracy(name: name) }
            return CategoricalAccuracy(name: name)
        case .binaryAccuracy: return BinaryAccuracy(name: name)
        case .categoricalAccuracy: return CategoricalAccuracy(name: name)
        case .sparseCategoricalAccuracy: return SparseCategoricalAccuracy(name: name)
        case .topK: return TopKCategoricalAccuracy(name: name)
        case .sparseTopK: return SparseTopKCategoricalAccuracy(name: name)
        case .loss(let loss): return LossMetric(name: name, loss: loss)
        case .precision: return Precision(name: name)
        case .recall: return Recall(name: name)
        case .auc: return AUC(name: name)
        }
    }

    /// Checks a name without resolving it against shapes.
    public static func validate(_ name: String) throws(ModelError) {
        _ = try Identifiers.resolve(name, in: table, kind: "metric")
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    enum Kind: Sendable {
        case accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy
        case topK, sparseTopK, precision, recall, auc
        case loss(any Loss)
    }

    static let table: [(names: [String], value: Kind)] = [
        (["accuracy", "acc"], .accuracy),
        (["binary_accuracy", "BinaryAccuracy"], .binaryAccuracy),
        (["categorical_accuracy", "CategoricalAccuracy"], .categoricalAccuracy),
        (["sparse_categorical_accuracy", "SparseCategoricalAccuracy"], .sparseCategoricalAccuracy),
        (["top_k_categorical_accuracy", "TopKCategoricalAccuracy"], .topK),
        (["sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"], .sparseTopK),
        (["mean_squared_error", "MeanSquaredError", "mse"], .loss(MeanSquaredError())),
        (["mean_absolute_error", "MeanAbsoluteError", "mae"], .loss(MeanAbsoluteError())),
        (
            ["mean_absolute_percentage_error", "MeanAbsolutePercentageError", "mape"],
            .loss(MeanAbsolutePercentageError())
        ),
        (
            ["mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "msle"],
            .loss(MeanSquaredLogarithmicError())
        ),
        (["precision", "Precision"], .precision),
        (["recall", "Recall"], .recall),
        (["auc", "AUC"], .auc),
    ]
}

/// A regression loss reported as a metric: the mean of its per-sample values.
/// Keras: `MeanSquaredError()` and the like in `metrics=[…]`.
public struct LossMetric: Metric {
    public let name: String
    public let loss: any Loss
    public var stateSize: Int { 2 }
    /// Per-sample losses of a batch, sized by the first batch and reused (training allocates
    /// nothing per step).
    private let scratch = Scratch()

    final class Scratch: @unchecked Sendable {
        var values: [Float] = []
    }

    public init(name: String, loss: any Loss) {
        self.name = name
        self.loss = loss
    }

    public func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>
    ) {
        let rows = predictions.rows
        if scratch.values.count < max(rows, 1) {
            scratch.values = [Float](repeating: 0, count: max(rows, 1))
        }
        scratch.values.withUnsafeMutableBufferPointer { losses in
            loss.sampleLosses(predictions: predictions, targets: targets, into: losses.baseAddress!)
            for row in 0..<rows {
                let weight = Double(weights?[row] ?? 1)
                state[0] += weight * Double(losses[row])
                state[1] += weight
            }
        }
    }

    public func result(_ state: UnsafePointer<Double>) -> Double {
        MeanState(total: state[0], count: state[1]).mean
    }
}
