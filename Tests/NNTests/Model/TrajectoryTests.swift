import NN
import TestSupport
import Testing

/// Multi-epoch training against numbers recorded from Keras 3 (TensorFlow backend) with the
/// same model, initial weights, data and batch order.
@Suite struct TrajectoryTests {
    @Test func fixturesArePresent() {
        #expect(KerasFixtures.trajectories.count >= 10)
        #expect(KerasFixtures.trajectories.contains { $0.name == "notes_sigmoid_sparse" })
    }

    @Test(arguments: KerasFixtures.trajectories)
    func historyWeightsAndPredictionsMatchKeras(_ keras: Trajectory) throws {
        let model = try keras.makeModel()
        let history = try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size,
            epochs: keras.epochs, shuffle: false, verbose: 0,
            validationSplit: keras.validation_split ?? 0)
        try Self.compare(model, history, with: keras)
    }

    /// History, final weights, predictions and `evaluate` against Keras's.
    static func compare(
        _ model: Sequential, _ history: History, with keras: Trajectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(
            Set(history.history.keys) == Set(keras.history.keys), sourceLocation: sourceLocation)
        for (key, values) in keras.history {
            let ours = history.history[key] ?? []
            #expect(ours.count == values.count, "\(key)", sourceLocation: sourceLocation)
            for (epoch, (a, e)) in zip(ours, values).enumerated() {
                expectClose(
                    a, e, "\(keras.name) history[\(key)][\(epoch)]", sourceLocation: sourceLocation)
            }
        }
        #expect(
            model.getWeights().count == keras.final_weights.count, sourceLocation: sourceLocation)
        for (index, (ours, theirs)) in zip(model.getWeights(), keras.final_weights).enumerated() {
            #expect(ours.shape == theirs.shape, sourceLocation: sourceLocation)
            // 1e-5 relative, with a 1e-6 floor for weights near zero (a bias of -0.0115 after
            // Adam steps of 0.01 carries float32 noise of a few 1e-7).
            expectClose(
                ours.scalars, theirs.data, absolute: 1e-6, "\(keras.name) final weight \(index)",
                sourceLocation: sourceLocation)
        }
        let predictions = try model.predict(
            x: keras.x.tensor, batchSize: keras.batch_size, verbose: 0)
        #expect(predictions.shape == keras.predictions.shape, sourceLocation: sourceLocation)
        expectClose(
            predictions.scalars, keras.predictions.data, "\(keras.name) predictions",
            sourceLocation: sourceLocation)
        let evaluation = try model.evaluate(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size, verbose: 0)
        #expect(Set(evaluation.keys) == Set(keras.evaluate.keys), sourceLocation: sourceLocation)
        for (key, value) in keras.evaluate {
            expectClose(
                evaluation[key] ?? .nan, value, "\(keras.name) evaluate[\(key)]",
                sourceLocation: sourceLocation)
        }
    }

    /// One optimizer step from the initial weights isolates the gradient and the update rule.
    @Test(arguments: KerasFixtures.trajectories)
    func firstStepMatchesKeras(_ keras: Trajectory) throws {
        let model = try keras.makeModel()
        let rows = min(keras.batch_size, keras.x.shape[0])
        try model.fit(
            x: keras.x.tensor.rows(0..<rows), y: keras.y.tensor.rows(0..<rows),
            batchSize: keras.batch_size, epochs: 1, shuffle: false, verbose: 0)
        let expected = try #require(keras.first_step_weights)
        #expect(model.getWeights().count == expected.count)
        for (index, (ours, theirs)) in zip(model.getWeights(), expected).enumerated() {
            expectClose(ours.scalars, theirs.data, "\(keras.name) weight \(index) after one step")
        }
    }
}
