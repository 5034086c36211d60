import Foundation
import NN
import TestSupport
import Testing

/// `keras_losses.json`: each loss on one batch of four rows, as `model.compile(loss=name)`
/// computes it — optionally behind a sigmoid/softmax output, whose logits Keras then reads.
struct LossFile: Decodable {
    let epsilon: Double
    let cases: [LossCase]
}

struct LossCase: Decodable, Sendable, CustomTestStringConvertible {
    let loss: String
    let output_activation: String?
    let target_variant: String
    let y_true: TensorFixture
    let input: TensorFixture
    /// The mean over the batch.
    let value: Double
    /// d value / d input (through the activation, when there is one).
    let gradient: TensorFixture
    /// Whether Keras's gradient is exactly the from-logits formula's.
    let expected_logits_used: Bool

    var testDescription: String {
        "\(loss) \(target_variant) after \(output_activation ?? "nothing")"
    }
}

enum LossFixtures {
    /// Empty when the file cannot be read; `fixturesArePresent` fails then.
    static let file: LossFile? = try? loadFixture(LossFile.self, "keras_losses.json")
    static var cases: [LossCase] { file?.cases ?? [] }
    static let lossNames = [
        "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
        "mean_squared_error",
    ]
}

@Suite struct LossTests {
    @Test func fixturesArePresent() throws {
        let file = try #require(LossFixtures.file)
        #expect(file.cases.count == 15)
        // Our clip bound is Keras's `epsilon()`.
        #expect(file.epsilon == 1e-7)
    }

    /// The mean of our sums and the gradient of that mean, the way `fit` takes them.
    @Test(arguments: LossFixtures.cases)
    func valueAndGradientMatchKeras(_ keras: LossCase) throws {
        let loss = try Losses.named(keras.loss)
        let input = keras.input.tensor, targets = keras.y_true.tensor
        let rows = input.rows
        let scale = 1 / Float(rows)
        var gradient = Tensor(zeros: input.shape)
        var value: Double
        if let name = keras.output_activation {
            let activation = try #require(ActivationFunction(rawValue: name))
            let logitsLoss = loss.readingLogits(of: activation)
            // We read the logits exactly when Keras does.
            #expect((logitsLoss != nil) == keras.expected_logits_used)
            if let logitsLoss {
                value = try logitsLoss.sum(predictions: input, targets: targets)
                logitsLoss.gradient(
                    predictions: input, targets: targets, scale: scale, into: &gradient)
            } else {
                let predictions = activation.applied(to: input)
                value = try loss.sum(predictions: predictions, targets: targets)
                loss.gradient(
                    predictions: predictions, targets: targets, scale: scale, into: &gradient)
                gradient = activation.inputGradient(output: predictions, outputGradient: gradient)
            }
        } else {
            value = try loss.sum(predictions: input, targets: targets)
            loss.gradient(predictions: input, targets: targets, scale: scale, into: &gradient)
        }
        value /= Double(rows)
        expectClose(value, keras.value, "\(keras.testDescription) value")
        #expect(gradient.shape == keras.gradient.shape)
        expectClose(gradient.scalars, keras.gradient.data, "\(keras.testDescription) gradient")
    }

    /// Central differences of the sum over rows. Probabilities stay in (0.1, 0.9), inside the
    /// clip range (and rows of CCE are not near zero), so the loss is smooth there. Soft CCE
    /// targets sum to one per row: that is what a one-hot or label-smoothed row does.
    @Test(arguments: LossFixtures.lossNames, [false, true])
    func gradientMatchesFiniteDifferences(_ name: String, fromLogits: Bool) throws {
        let shape = [4, 3]
        let inputs: [Float] = (0..<12).map { i in
            let wave = sin(2.3 * Double(i) + 0.7)
            return Float(fromLogits ? 3 * wave : 0.5 + 0.4 * wave)
        }
        let loss: any Loss
        let targets: Tensor
        switch name {
        case "sparse_categorical_crossentropy":
            loss = SparseCategoricalCrossentropy(fromLogits: fromLogits)
            targets = Tensor([2, 0, 1, 1])
        case "categorical_crossentropy":
            loss = CategoricalCrossentropy(fromLogits: fromLogits)
            targets = Tensor([[0, 1, 0], [0.2, 0.5, 0.3], [1, 0, 0], [0.1, 0.1, 0.8]])
        case "binary_crossentropy":
            loss = BinaryCrossentropy(fromLogits: fromLogits)
            targets = Tensor([[0, 1, 0.3], [1, 1, 0], [0.5, 0, 1], [1, 0, 0.9]])
        default:
            // MSE has no logits mode: the second run only widens the inputs to ±3.
            loss = MeanSquaredError()
            targets = Tensor([[0.1, 0.9, 0], [0.5, -0.5, 0.2], [1, 0.25, 0.75], [0, 2, 0.6]])
        }
        var analytic = Tensor(zeros: shape)
        loss.gradient(
            predictions: Tensor(shape: shape, scalars: inputs), targets: targets, scale: 1,
            into: &analytic)
        // float32 forward pass: a 1e-3 step keeps rounding noise near 1e-4.
        let numeric = try numericalGradient(at: inputs, h: 1e-3) { x in
            try loss.sum(predictions: Tensor(shape: shape, scalars: x), targets: targets)
        }
        expectClose(
            analytic.scalars, numeric, relative: 1e-2, absolute: 1e-3,
            "\(name) fromLogits=\(fromLogits)")
    }

    @Test func namesResolve() throws {
        #expect(try Losses.named("mse").name == "mean_squared_error")
        #expect(try Losses.named("MSE").name == "mean_squared_error")
        #expect(try Losses.named("MeanSquaredError").name == "mean_squared_error")
        #expect(
            try Losses.named("SparseCategoricalCrossentropy").name
                == "sparse_categorical_crossentropy")
        // Case-insensitive fallback.
        #expect(try Losses.named("binarycrossentropy").name == "binary_crossentropy")
        // The names table lists each loss once, by its canonical name.
        #expect(Losses.names.count == 15 && Set(Losses.names).count == 15)
        // The Keras 2 names of the notes, which Keras 3 dropped, are accepted too.
        #expect(try Losses.named("logcosh").name == "log_cosh")
        #expect(try Losses.named("kullback_leibler_divergence").name == "kl_divergence")
        #expect(try Losses.named("cosine_proximity").name == "cosine_similarity")
    }

    @Test func unknownNameSuggestsTheClosest() {
        // One insertion from "mse" (and from "MSE", which comes later and loses the tie).
        #expect(
            errorText { _ = try Losses.named("msee") }
                == "Unknown loss 'msee'. Did you mean 'mse'?")
        // Six edits from "mse", more from the rest: beyond the limit of 3, no suggestion.
        #expect(errorText { _ = try Losses.named("banana") } == "Unknown loss 'banana'.")
    }

    @Test func sparseLabelsMustBeClassIndices() {
        let loss = SparseCategoricalCrossentropy()
        #expect(errorText { try loss.validate(targets: Tensor([0, 1]), outputWidth: 2) } == nil)
        #expect(
            errorText { try loss.validate(targets: Tensor([[0], [1]]), outputWidth: 2) } == nil)
        let outside = errorText { try loss.validate(targets: Tensor([0, 5]), outputWidth: 2) }
        #expect(outside?.contains("Received a label value of 5") == true)
        #expect(outside?.contains("valid range of [0, 2)") == true)
        let negative = errorText { try loss.validate(targets: Tensor([-1]), outputWidth: 2) }
        #expect(negative?.contains("Received a label value of -1") == true)
        let fraction = errorText { try loss.validate(targets: Tensor([0.5]), outputWidth: 2) }
        #expect(fraction?.contains("Received a label value of 0.5") == true)
        // One-hot rows given to the sparse loss are refused by shape, not by value.
        let oneHot = errorText { try loss.validate(targets: Tensor([[0, 1]]), outputWidth: 2) }
        #expect(oneHot?.contains("needs one integer class label per sample") == true)
    }

    @Test func elementwiseTargetsMustMatchTheOutputWidth() {
        let text = errorText {
            try MeanSquaredError().validate(targets: Tensor([[1, 2]]), outputWidth: 3)
        }
        #expect(
            text == "Loss 'mean_squared_error' needs targets with 3 value(s) per sample to match "
                + "the model's output. Received: targets of shape (1, 2)")
    }
}

/// A training step asks a loss for its per-row values and gradient in one call; losses that
/// fuse the two passes must give exactly what the separate calls give. (Crossentropy on
/// probabilities does not fuse: its one call is the two separate calls.)
@Suite struct FusedLossTests {
    static let predictions = Tensor(
        shape: [4, 3], scalars: [0.2, 0.5, 0.3, 3, -1, 0.5, 0.1, 0.1, 0.8, -2, 4, 1])
    static let classes = Tensor([1, 0, 2, 1])
    static let rows = Tensor(
        shape: [4, 3], scalars: [0, 1, 0, 1, 0, 0, 0.2, 0.3, 0.5, 0, 0, 1])

    static let cases: [(String, any Loss, Tensor)] = [
        ("sparse from logits", SparseCategoricalCrossentropy(fromLogits: true), classes),
        ("categorical from logits", CategoricalCrossentropy(fromLogits: true), rows),
        (
            "categorical from logits, smoothed",
            CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), rows
        ),
        ("binary from logits", BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.2), rows),
        ("binary", BinaryCrossentropy(fromLogits: false), rows),
        ("mse", MeanSquaredError(), rows),
        ("huber", Huber(), rows),
    ]

    @Test(arguments: 0..<cases.count)
    func fusedMatchesSeparateBitForBit(_ index: Int) {
        let (name, loss, t) = Self.cases[index]
        let p = Self.predictions
        var separate = Tensor(zeros: [4, 3]), fused = Tensor(zeros: [4, 3])
        loss.gradient(predictions: p, targets: t, scale: 0.25, into: &separate)
        var a = [Float](repeating: 0, count: 4), b = [Float](repeating: 0, count: 4)
        a.withUnsafeMutableBufferPointer {
            loss.sampleLosses(predictions: p, targets: t, into: $0.baseAddress!)
        }
        b.withUnsafeMutableBufferPointer {
            loss.lossesAndGradient(
                predictions: p, targets: t, scale: 0.25, losses: $0.baseAddress!, into: &fused)
        }
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name) losses")
        #expect(
            separate.values.map(\.bitPattern) == fused.values.map(\.bitPattern),
            "\(name) gradient")
    }
}
