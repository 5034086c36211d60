import Foundation
import NN
import TestSupport
import Testing

/// Cases found in review: each once failed (a trap, a wrong model, a lost setting).
@Suite struct RegressionTests {
    static let x = Tensor(shape: [12, 2], scalars: (0..<24).map { Float($0 % 5) / 5 })
    static let y = Tensor((0..<12).map { Float($0 % 2) })

    /// A layer added after `compile` is the new output: the loss head moves to it.
    @Test func addAfterCompileMovesTheLossHead() throws {
        let model = Sequential([Dense(3, inputShape: [2], activation: "softmax")])
        try model.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        model.add(Dense(2, activation: "softmax"))
        try model.fit(x: Self.x, y: Self.y, batchSize: 4, verbose: 0)
        let p = try model.predict(x: Self.x, verbose: 0)
        for row in 0..<p.rows {
            expectClose(Double(p.row(row).reduce(0, +)), 1, "softmax rows sum to 1")
        }
        // The hidden softmax is applied too: its outputs, fed on, are probabilities.
        #expect((model.layers[0] as? Dense)?.emitsLogits == false)
    }

    /// Validation targets shaped (n, 1) while training targets are (n,): buffers must not shrink.
    @Test func validationTargetsOfAnotherShape() throws {
        let model = Sequential([Dense(2, inputShape: [2], activation: "softmax")])
        try model.compile(
            optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        let validation = (x: Self.x.rows(0..<3), y: Tensor(shape: [3, 1], scalars: [0, 1, 0]))
        let history = try model.fit(
            x: Self.x, y: Self.y, batchSize: 6, epochs: 3, verbose: 0, validationData: validation)
        #expect(history.history["val_loss"]?.count == 3)
    }

    /// A run EarlyStopping ended leaves a checkpoint that resumes to nothing left to do.
    @Test func stoppedRunDoesNotTrainAgainOnResume() throws {
        let folder = scratchPath("stop")
        func run() throws -> (Sequential, History) {
            let model = Sequential([Dense(2, inputShape: [2], activation: "softmax")])
            model.seed = 1
            try model.compile(
                optimizer: SGD(learningRate: 0), loss: "sparse_categorical_crossentropy")
            let history = try model.fit(
                x: Self.x, y: Self.y, batchSize: 4, epochs: 10, verbose: 0,
                callbacks: [
                    EarlyStopping(monitor: "loss", patience: 1),
                    BackupAndRestore(directory: folder, deleteCheckpoint: false),
                ])
            return (model, history)
        }
        let (first, history) = try run()
        let epochs = history.history["loss"]?.count ?? 0
        #expect(epochs < 10)
        let (second, again) = try run()
        #expect(again.history["loss"]?.count == epochs)
        #expect(second.optimizer.iterations == first.optimizer.iterations)
    }

    /// A finished run whose EarlyStopping restored its best weights keeps them in the
    /// checkpoint: resuming it changes nothing (it once gave the last epoch's weights).
    @Test func resumingAFinishedRunKeepsTheBestWeights() throws {
        let folder = scratchPath("best")
        func run() throws -> [Tensor] {
            let model = Sequential([Dense(2, inputShape: [2], activation: "softmax")])
            model.seed = 4
            try model.compile(
                optimizer: SGD(learningRate: 5), loss: "sparse_categorical_crossentropy")
            try model.fit(
                x: Self.x, y: Self.y, batchSize: 4, epochs: 12, verbose: 0,
                callbacks: [
                    EarlyStopping(monitor: "loss", patience: 3, restoreBestWeights: true),
                    BackupAndRestore(directory: folder, deleteCheckpoint: false),
                ])
            return model.getWeights()
        }
        let first = try run()
        #expect(try run() == first)
    }

    @Test func csvFirstRowWithAnEmptyCellIsData() {
        #expect(
            throws: ModelError.file(path: "d.csv", problem: "line 1, column 2: '' is not a number")
        ) {
            try CSVFile.decode("1,,3\n4,5,6\n", path: "d.csv")
        }
    }

    /// A metric compiled twice logs under Keras's numbered keys (measured with Keras 3.15:
    /// `metrics=['accuracy', 'accuracy', 'acc', 'accuracy']` logs `acc`, `accuracy`,
    /// `accuracy_1`, `accuracy_2`); `evaluate` once trapped on the repeated key.
    @Test func repeatedMetricsGetNumberedKeys() throws {
        let model = Sequential([Dense(2, inputShape: [2], activation: "softmax")])
        try model.compile(
            optimizer: "adam", loss: "sparse_categorical_crossentropy",
            metrics: ["accuracy", "accuracy", "acc", "accuracy"])
        let history = try model.fit(x: Self.x, y: Self.y, batchSize: 4, epochs: 2, verbose: 0)
        #expect(
            history.history.keys.sorted() == [
                "acc", "accuracy", "accuracy_1", "accuracy_2", "loss",
            ])
        let logs = try model.evaluate(x: Self.x, y: Self.y, verbose: 0)
        #expect(logs.keys.sorted() == ["acc", "accuracy", "accuracy_1", "accuracy_2", "loss"])
        let accuracy = try #require(logs["accuracy"])
        #expect(logs["accuracy_1"] == accuracy && logs["accuracy_2"] == accuracy)
        #expect(logs["acc"] == accuracy)
    }

    /// A batch size beyond the data, up to `Int.max`, is one batch of all the rows: the same
    /// weights, evaluation and predictions as a batch of exactly the row count (the step count
    /// once overflowed).
    @Test func batchLargerThanTheDataIsAllOfIt() throws {
        func run(_ batchSize: Int) throws -> ([Float], [String: Double], [Float]) {
            let model = Sequential([Dense(2, inputShape: [2], activation: "softmax")])
            model.seed = 3
            try model.compile(
                optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
            try model.fit(x: Self.x, y: Self.y, batchSize: batchSize, epochs: 3, verbose: 0)
            let logs = try model.evaluate(x: Self.x, y: Self.y, batchSize: batchSize, verbose: 0)
            let p = try model.predict(x: Self.x, batchSize: batchSize, verbose: 0)
            return (model.getWeights().flatMap(\.scalars), logs, p.scalars)
        }
        let exact = try run(Self.x.rows)
        for batchSize in [Self.x.rows + 1, Int.max / 2, Int.max] {
            let big = try run(batchSize)
            #expect(big.0 == exact.0, "weights, batch \(batchSize)")
            #expect(big.1 == exact.1, "evaluate, batch \(batchSize)")
            #expect(big.2 == exact.2, "predict, batch \(batchSize)")
        }
        // And it differs from smaller batches, so the comparison above can fail.
        #expect(try run(5).0 != exact.0)
    }

    /// A model of Activation layers alone takes its input shape from the data or a file: a
    /// shape with no feature axis, or zero features, is refused (once an index trap or a
    /// buffer precondition).
    @Test func activationOnlyModelNeedsAFeatureAxis() throws {
        for shape: Shape in [[], [0], [2, 3]] {
            #expect(throws: ModelError.self, "\(shape)") {
                try Sequential([Activation("relu")]).build(inputShape: shape)
            }
        }
        let model = Sequential([Activation("relu")])
        try model.compile(loss: "mse")
        let empty = Tensor(shape: [5, 0], scalars: [])
        #expect(throws: ModelError.self) { try model.predict(x: empty, verbose: 0) }
        #expect(throws: ModelError.self) {
            try model.fit(x: empty, y: Tensor(shape: [5, 0], scalars: []), verbose: 0)
        }
        let p = try model.predict(x: Self.x, verbose: 0)
        #expect(p.shape == [12, 2])
    }

    @Test func hugeLayerIsRefusedNotTrapped() {
        #expect(throws: ModelError.self) {
            try Sequential([Dense(1 << 40, inputShape: [1 << 30])]).compile(loss: "mse")
        }
    }
}
