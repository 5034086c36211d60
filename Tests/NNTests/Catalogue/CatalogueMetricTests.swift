import NN
import TestSupport
import Testing

/// Every metric of the catalogue, accumulated over two batches, against Keras 3.
@Suite struct CatalogueMetricTests {
    struct File: Decodable {
        let cases: [Case]
        let weighted_cases: [Case]
    }
    struct Config: Decodable, Sendable {
        let threshold: Float?
        let k: Int?
        let curve: String?
    }
    struct Batch: Decodable, Sendable {
        let y_true: TensorFixture
        let y_pred: TensorFixture
        let sample_weight: TensorFixture?
    }
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let class_name: String
        let config: Config
        let batches: [Batch]
        let value: Double
        var testDescription: String {
            "\(class_name) \(config.k.map { "k=\($0)" } ?? "")\(config.threshold.map { "threshold=\($0)" } ?? "")\(config.curve ?? "")"
        }

        var metric: any Metric {
            switch class_name {
            case "BinaryAccuracy": return BinaryAccuracy(threshold: config.threshold ?? 0.5)
            case "CategoricalAccuracy": return CategoricalAccuracy()
            case "SparseCategoricalAccuracy": return SparseCategoricalAccuracy()
            case "TopKCategoricalAccuracy": return TopKCategoricalAccuracy(k: config.k ?? 5)
            case "SparseTopKCategoricalAccuracy":
                return SparseTopKCategoricalAccuracy(k: config.k ?? 5)
            case "MeanSquaredError": return LossMetric(name: "mse", loss: MeanSquaredError())
            case "MeanAbsoluteError": return LossMetric(name: "mae", loss: MeanAbsoluteError())
            case "MeanAbsolutePercentageError":
                return LossMetric(name: "mape", loss: MeanAbsolutePercentageError())
            case "MeanSquaredLogarithmicError":
                return LossMetric(name: "msle", loss: MeanSquaredLogarithmicError())
            case "Precision": return Precision(threshold: config.threshold ?? 0.5)
            case "Recall": return Recall(threshold: config.threshold ?? 0.5)
            default: return AUC(curve: config.curve == "PR" ? .pr : .roc)
            }
        }
    }

    static let file = try? loadFixture(File.self, "keras_catalogue_metrics.json")

    /// Adds both batches' sums, as training adds steps (and ranks), then takes the result.
    static func evaluate(_ c: Case) -> Double {
        let metric = c.metric
        var state = [Double](repeating: 0, count: metric.stateSize)
        state.withUnsafeMutableBufferPointer { s in
            for batch in c.batches {
                let weights = batch.sample_weight?.data ?? []
                weights.withUnsafeBufferPointer { w in
                    metric.accumulate(
                        predictions: batch.y_pred.tensor, targets: batch.y_true.tensor,
                        weights: batch.sample_weight == nil ? nil : w.baseAddress,
                        into: s.baseAddress!)
                }
            }
        }
        return state.withUnsafeBufferPointer { metric.result($0.baseAddress!) }
    }

    /// The cases below run nothing when the fixture cannot be read: this fails then.
    @Test func fixturesArePresent() throws {
        let file = try #require(Self.file)
        #expect(file.cases.count == 15)
        #expect(file.weighted_cases.count == 5)
    }

    @Test(arguments: file?.cases ?? [])
    func matchesKeras(_ keras: Case) {
        expectClose(Self.evaluate(keras), keras.value, "\(keras.testDescription)")
    }

    @Test(arguments: file?.weighted_cases ?? [])
    func weightedMatchesKeras(_ keras: Case) {
        expectClose(Self.evaluate(keras), keras.value, "weighted \(keras.testDescription)")
    }

    @Test func namesResolveWithKerasKeys() throws {
        #expect(try Metrics.named("acc", outputWidth: 1, targetWidth: 1).name == "acc")
        #expect(try Metrics.named("mse", outputWidth: 3, targetWidth: 3) is LossMetric)
        #expect(try Metrics.named("auc", outputWidth: 1, targetWidth: 1) is AUC)
        #expect(
            try Metrics.named("top_k_categorical_accuracy", outputWidth: 6, targetWidth: 6).name
                == "top_k_categorical_accuracy")
        #expect(
            throws: ModelError.unknownName(
                kind: "metric", name: "precison", suggestion: "precision")
        ) {
            try Metrics.validate("precison")
        }
    }
}
