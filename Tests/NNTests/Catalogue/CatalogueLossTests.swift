import NN
import TestSupport
import Testing

/// Every loss of the catalogue, with its options, against values and gradients from Keras 3.
@Suite struct CatalogueLossTests {
    struct File: Decodable {
        let rejected_names: [String]
        let cases: [Case]
    }

    struct Config: Decodable, Sendable {
        let from_logits: Bool?
        let label_smoothing: Float?
        let delta: Float?
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let id: String
        let loss: String
        let config: Config
        let y_true: TensorFixture
        let y_pred: TensorFixture
        let value: Double
        let gradient: TensorFixture
        let aliases: [String]
        var testDescription: String { id }

        /// The typed loss with the fixture's options.
        func make() throws -> any Loss {
            let logits = config.from_logits ?? false, smoothing = config.label_smoothing ?? 0
            switch loss {
            case "categorical_crossentropy":
                return CategoricalCrossentropy(fromLogits: logits, labelSmoothing: smoothing)
            case "binary_crossentropy":
                return BinaryCrossentropy(fromLogits: logits, labelSmoothing: smoothing)
            case "sparse_categorical_crossentropy":
                return SparseCategoricalCrossentropy(fromLogits: logits)
            case "huber":
                return Huber(delta: config.delta ?? 1)
            default:
                return try Losses.named(loss)
            }
        }
    }

    static let file = try? loadFixture(File.self, "keras_catalogue_losses.json")

    @Test func everyLossIsCovered() throws {
        let file = try #require(Self.file)
        #expect(Set(file.cases.map(\.loss)) == Set(Losses.names))
    }

    @Test(arguments: file?.cases ?? [])
    func valueAndGradientMatchKeras(_ keras: Case) throws {
        let loss = try keras.make()
        let predictions = keras.y_pred.tensor, targets = keras.y_true.tensor
        let rows = Float(predictions.rows)
        expectClose(
            try loss.sum(predictions: predictions, targets: targets) / Double(rows), keras.value,
            "\(keras.id) value")
        var gradient = Tensor(zeros: predictions.shape)
        loss.gradient(predictions: predictions, targets: targets, scale: 1 / rows, into: &gradient)
        expectClose(gradient.scalars, keras.gradient.data, "\(keras.id) gradient")
    }

    /// Keras 3's names and aliases resolve, and so do the Keras 2 names of the notes.
    @Test(arguments: file?.cases ?? [])
    func aliasesResolve(_ keras: Case) throws {
        for alias in keras.aliases {
            #expect(try Losses.named(alias).name == keras.loss, "\(alias)")
        }
    }

    @Test func finiteDifferencesForEveryLoss() throws {
        let file = try #require(Self.file)
        for keras in file.cases {
            let loss = try keras.make()
            let targets = keras.y_true.tensor, shape = keras.y_pred.shape
            // Stay off kinks and clips: nudge predictions away from targets and from 0 and 1.
            let start = keras.y_pred.data.enumerated().map { i, p -> Float in
                let moved = min(max(p, 0.05), 0.95) + 0.013 * Float(i % 3)
                return keras.id.contains("logits") ? p : moved
            }
            let numeric = try numericalGradient(at: start, h: 1e-3) { values in
                try loss.sum(predictions: Tensor(shape: shape, scalars: values), targets: targets)
            }
            var analytic = Tensor(zeros: shape)
            loss.gradient(
                predictions: Tensor(shape: shape, scalars: start), targets: targets, scale: 1,
                into: &analytic)
            expectClose(
                analytic.scalars, numeric, relative: 2e-2, absolute: 2e-3,
                "\(keras.id) finite differences")
        }
    }
}

/// The catalogue's activations against Keras 3's values and gradients.
@Suite struct CatalogueActivationTests {
    struct File: Decodable { let cases: [Case] }
    struct Config: Decodable, Sendable {
        let approximate: Bool?
        let alpha: Float?
        let negative_slope: Float?
    }
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let config: Config
        let x: TensorFixture
        let w: TensorFixture
        let y: TensorFixture
        let gradient_of_sum_weighted: TensorFixture
        var testDescription: String {
            "\(name) \(config.approximate.map { "approximate=\($0)" } ?? "")"
        }

        /// Our function for this case, or nil for a configuration nntrain does not offer
        /// (a non-default alpha or slope, and activations beyond the catalogue).
        var function: ActivationFunction? {
            if config.alpha != nil || config.negative_slope != nil { return nil }
            if name == "gelu", config.approximate == true { return .geluApproximate }
            return try? ActivationFunction.named(name)
        }
    }

    static let cases = (try? loadFixture(File.self, "keras_catalogue_activations.json").cases) ?? []

    @Test func catalogueIsCovered() {
        let covered = Set(Self.cases.compactMap(\.function))
        let basic: Set<ActivationFunction> = [.linear, .relu, .sigmoid, .softmax, .tanh]
        #expect(covered.union(basic) == Set(ActivationFunction.allCases))
    }

    @Test(arguments: cases.filter { $0.function != nil })
    func valuesAndGradientsMatchKeras(_ keras: Case) throws {
        let function = try #require(keras.function)
        let y = function.applied(to: keras.x.tensor)
        expectClose(y.scalars, keras.y.data, "\(keras.name) values")
        let gradient = function.inputGradient(
            input: keras.x.tensor, output: y, outputGradient: keras.w.tensor)
        expectClose(gradient.scalars, keras.gradient_of_sum_weighted.data, "\(keras.name) gradient")
    }
}
