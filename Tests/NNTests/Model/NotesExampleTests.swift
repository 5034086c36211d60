import NN
import TestSupport
import Testing

/// The Keras notes, line by line, in Swift.
@Suite struct NotesExampleTests {
    @Test func notesModelTrainsAndPredicts() throws {
        let model = Sequential([
            Dense(16, inputShape: [1], activation: "relu"),
            Dense(32, activation: "relu", kernelRegularizer: .l2(0.01)),
            Dense(2, activation: "sigmoid"),
        ])
        try model.compile(
            optimizer: Adam(learningRate: 0.0001), loss: "sparse_categorical_crossentropy",
            metrics: ["accuracy"])
        let x = Tensor(shape: [8, 1], scalars: [0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1])
        let y = Tensor([0, 0, 0, 0, 1, 1, 1, 1])
        let history = try model.fit(x: x, y: y, batchSize: 10, epochs: 2, shuffle: true, verbose: 0)
        #expect(history.history["loss"]?.count == 2)
        #expect(history.history["accuracy"]?.count == 2)
        let predictions = try model.predict(x: x, batchSize: 10, verbose: 0)
        #expect(predictions.shape == [8, 2])
        // Sigmoid outputs: each value in (0, 1), not a distribution.
        #expect(predictions.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        model.optimizer.learningRate = 0.01
        #expect(model.optimizer.learningRate == 0.01)
    }

    @Test func secondWayAddsActivationLayers() throws {
        let m = Sequential()
        m.add(Dense(5, inputShape: [3]))
        m.add(Activation("relu"))
        try m.compile(optimizer: "sgd", loss: "mse")
        #expect(m.outputShape == [5])
        #expect(m.parameterCount == 20)
        let out = try m.predict(x: Tensor([[1, -2, 3]]), verbose: 0)
        #expect(out.scalars.allSatisfy { $0 >= 0 })
    }

    @Test func activationAndLossNamesMayComeFromVariables() throws {
        let activation = "tanh", loss = "binary_crossentropy"
        let m = Sequential([Dense(1, inputShape: [2], activation: activation)])
        try m.compile(optimizer: SGD(learningRate: 0.01, momentum: 0.9), loss: loss)
        #expect((m.layers[0] as? Dense)?.activation == .tanh)
        #expect(m.loss?.name == "binary_crossentropy")
    }

    /// Two models with one seed start from the same weights; another seed differs.
    @Test func seedFixesInitialWeights() throws {
        func weights(seed: UInt64) throws -> [Float] {
            let m = Sequential([Dense(4, inputShape: [3]), Dense(2)])
            m.seed = seed
            try m.compile(loss: "mse")
            return m.getWeights().flatMap(\.scalars)
        }
        #expect(try weights(seed: 7) == weights(seed: 7))
        #expect(try weights(seed: 7) != weights(seed: 8))
    }
}
