/// A running mean kept as a sum and a count, so that ranks can add their states exactly.
public struct MeanState: Sendable, Equatable {
    public var total = 0.0
    public var count = 0.0

    public init(total: Double = 0, count: Double = 0) {
        self.total = total
        self.count = count
    }

    /// The mean so far (0 before any value).
    public var mean: Double { count > 0 ? total / count : 0 }

    public static func += (lhs: inout MeanState, rhs: MeanState) {
        lhs.total += rhs.total
        lhs.count += rhs.count
    }
}

/// A quantity reported during training and evaluation. Keras: `keras.metrics`.
///
/// A metric measures a batch as a `(total, count)` pair; the trainer adds the pairs across
/// ranks and batches and reports `total / count`, Keras's running mean over samples.
public protocol Metric: Sendable {
    /// The key in logs and `History`: `"accuracy"`.
    var name: String { get }
    /// The sum of the per-sample values over the rows of `predictions`, and the row count.
    func measure(predictions: Tensor, targets: Tensor) -> MeanState
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
        }
    }

    /// Checks a name without resolving it against shapes.
    public static func validate(_ name: String) throws(ModelError) {
        _ = try Identifiers.resolve(name, in: table, kind: "metric")
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    enum Kind { case accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy }

    static let table: [(names: [String], value: Kind)] = [
        (["accuracy", "acc"], .accuracy),
        (["binary_accuracy", "BinaryAccuracy"], .binaryAccuracy),
        (["categorical_accuracy", "CategoricalAccuracy"], .categoricalAccuracy),
        (["sparse_categorical_accuracy", "SparseCategoricalAccuracy"], .sparseCategoricalAccuracy),
    ]
}
