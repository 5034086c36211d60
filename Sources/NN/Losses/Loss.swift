/// A training objective. Keras: `keras.losses`.
///
/// A loss reports *sums* over the rows it is given, never means: the trainer divides by the
/// global row count of the batch, so that any number of ranks takes the single-process step.
/// Per-sample values follow Keras 3 on TensorFlow, including clipping probabilities to
/// `[1e-7, 1 − 1e-7]`.
public protocol Loss: Sendable {
    /// The Keras name: `"sparse_categorical_crossentropy"`.
    var name: String { get }
    /// Writes the loss of each row of `predictions` into `losses` (one value per row).
    func sampleLosses(
        predictions: Tensor, targets: Tensor, into losses: UnsafeMutablePointer<Float>)
    /// Writes the per-row losses and `scale · ∂sum/∂predictions` in one call: what a training
    /// step needs. The default calls `gradient` and `sampleLosses`; a loss that shares work
    /// between them (a softmax) overrides it.
    func lossesAndGradient(
        predictions: Tensor, targets: Tensor, scale: Float, losses: UnsafeMutablePointer<Float>,
        into gradient: inout Tensor)
    /// Writes `scale · ∂sum/∂predictions` into `gradient` (same shape as `predictions`).
    func gradient(predictions: Tensor, targets: Tensor, scale: Float, into gradient: inout Tensor)
    /// The loss to compute from the pre-activation values when the model's output layer ends
    /// with `activation`, or `nil` to compute from the output itself. Keras 3 reads the logits
    /// of a final sigmoid or softmax for its crossentropy losses.
    func readingLogits(of activation: ActivationFunction) -> (any Loss)?
    /// Checks that `targets` can be compared with outputs `outputWidth` wide.
    func validate(targets: Tensor, outputWidth: Int) throws(ModelError)
}

extension Loss {
    public func lossesAndGradient(
        predictions: Tensor, targets: Tensor, scale: Float, losses: UnsafeMutablePointer<Float>,
        into gradient: inout Tensor
    ) {
        lossesAndGradientSeparately(
            predictions: predictions, targets: targets, scale: scale, losses: losses,
            into: &gradient)
    }

    /// The default `lossesAndGradient`: `gradient`, then `sampleLosses`. A loss that fuses the
    /// two in some cases calls it for the others.
    func lossesAndGradientSeparately(
        predictions: Tensor, targets: Tensor, scale: Float, losses: UnsafeMutablePointer<Float>,
        into gradient: inout Tensor
    ) {
        self.gradient(predictions: predictions, targets: targets, scale: scale, into: &gradient)
        sampleLosses(predictions: predictions, targets: targets, into: losses)
    }

    /// The sum of the per-sample losses over the rows of `predictions`.
    ///
    /// - Throws: `ModelError.invalidData` when `targets` do not fit `predictions` (another row
    ///   count, width, or a class label out of range), as training refuses them.
    public func sum(predictions: Tensor, targets: Tensor) throws(ModelError) -> Double {
        guard targets.rows == predictions.rows else {
            throw .invalidData(
                "Loss '\(name)' needs one target row per prediction row. Received: "
                    + "\(targets.rows) target rows for \(predictions.rows) predictions")
        }
        try validate(targets: targets, outputWidth: predictions.rowWidth)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(predictions.rows, 1)) {
            losses in
            sampleLosses(predictions: predictions, targets: targets, into: losses.baseAddress!)
            return losses.prefix(predictions.rows).reduce(0.0) { $0 + Double($1) }
        }
    }

    public func readingLogits(of activation: ActivationFunction) -> (any Loss)? { nil }

    /// By default targets have as many values per row as the output.
    public func validate(targets: Tensor, outputWidth: Int) throws(ModelError) {
        try validateSameWidth(targets: targets, outputWidth: outputWidth)
    }

    /// Targets for element-wise losses: the same number of values per row as the output.
    func validateSameWidth(targets: Tensor, outputWidth: Int) throws(ModelError) {
        guard targets.rowWidth == outputWidth, targets.shape.count <= 2 else {
            throw .invalidData(
                "Loss '\(name)' needs targets with \(outputWidth) value(s) per sample to match the "
                    + "model's output. Received: targets of shape \(ModelError.render(targets.shape))"
            )
        }
    }
}

/// The clipping bound Keras applies to probabilities (`keras.config.epsilon()`).
let probabilityEpsilon: Float = 1e-7

/// Resolves loss names (canonical, class names, aliases, and the Keras 2 names of the notes).
public enum Losses {
    /// Resolves a Keras loss name such as `"mse"` or `"SparseCategoricalCrossentropy"`.
    ///
    /// - Throws: `ModelError.unknownName` ("Unknown loss 'msee'. Did you mean 'mse'?").
    public static func named(_ name: String) throws(ModelError) -> any Loss {
        try Identifiers.resolve(name, in: table, kind: "loss")
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    static let table: [(names: [String], value: any Loss)] = [
        (["mean_squared_error", "MeanSquaredError", "mse", "MSE"], MeanSquaredError()),
        (["mean_absolute_error", "MeanAbsoluteError", "mae", "MAE"], MeanAbsoluteError()),
        (
            ["mean_absolute_percentage_error", "MeanAbsolutePercentageError", "mape", "MAPE"],
            MeanAbsolutePercentageError()
        ),
        (
            ["mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "msle", "MSLE"],
            MeanSquaredLogarithmicError()
        ),
        (["squared_hinge", "SquaredHinge"], SquaredHinge()),
        (["hinge", "Hinge"], Hinge()),
        (["categorical_hinge", "CategoricalHinge"], CategoricalHinge()),
        (["log_cosh", "LogCosh", "logcosh"], LogCosh()),
        (["categorical_crossentropy", "CategoricalCrossentropy"], CategoricalCrossentropy()),
        (
            ["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"],
            SparseCategoricalCrossentropy()
        ),
        (["binary_crossentropy", "BinaryCrossentropy", "bce", "BCE"], BinaryCrossentropy()),
        (
            ["kl_divergence", "KLDivergence", "kld", "KLD", "kullback_leibler_divergence"],
            KLDivergence()
        ),
        (["poisson", "Poisson"], Poisson()),
        (["cosine_similarity", "CosineSimilarity", "cosine_proximity"], CosineSimilarity()),
        (["huber", "Huber", "huber_loss"], Huber()),
    ]
}
