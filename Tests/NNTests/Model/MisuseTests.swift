import Foundation
import NN
import NNCore
import TestSupport
import Testing

/// Library calls a user can get wrong end in a thrown error, never a trap or a write past a
/// buffer (each case once did one of those).
@Suite struct MisuseTests {
    static let x = Tensor(shape: [12, 2], scalars: (0..<24).map { Float($0 % 5) / 5 })
    static let y = Tensor((0..<12).map { Float($0 % 2) })

    static func model(seed: UInt64 = 1) -> Sequential {
        let model = Sequential([Dense(3, inputShape: [2], activation: "softmax")])
        model.seed = seed
        return model
    }

    static func fitted(_ model: Sequential) throws -> [Tensor] {
        try model.fit(x: x, y: y, batchSize: 4, epochs: 2, verbose: 0)
        return model.getWeights()
    }

    /// An optimizer assigned after `compile` is sized on its first step, as Keras builds one
    /// lazily: the same weights as compiling with it.
    @Test func optimizerAssignedAfterCompileIsBuiltOnFirstUse() throws {
        let direct = Self.model()
        try direct.compile(
            optimizer: Adam(learningRate: 0.05), loss: "sparse_categorical_crossentropy")
        let assigned = Self.model()
        try assigned.compile(optimizer: SGD(), loss: "sparse_categorical_crossentropy")
        assigned.optimizer = Adam(learningRate: 0.05)
        #expect(try Self.fitted(assigned) == Self.fitted(direct))
        #expect(assigned.optimizer.iterations == 6)
    }

    /// One optimizer compiled into two models serves the one it was built for last; the other
    /// is refused, as Keras refuses variables an optimizer was not built with.
    @Test func optimizerSharedByTwoModelsIsRefused() throws {
        let shared = Adam()
        let big = Sequential([Dense(8, inputShape: [2], activation: "relu"), Dense(3)])
        try big.compile(optimizer: shared, loss: "mse")
        let small = Self.model()
        try small.compile(optimizer: shared, loss: "sparse_categorical_crossentropy")
        _ = try Self.fitted(small)
        let targets = Tensor(shape: [12, 3], scalars: [Float](repeating: 0.5, count: 36))
        #expect(throws: ModelError.self) {
            try big.fit(x: Self.x, y: targets, batchSize: 4, verbose: 0)
        }
    }

    /// A layer that cannot be built leaves the model unbuilt, not built over an emptied store;
    /// the next call builds it again.
    @Test func failedBuildLeavesTheModelUnbuilt() throws {
        let model = Sequential([Dense(100_000, inputShape: [10])])
        try model.compile(loss: "mse")
        #expect(model.isBuilt)
        #expect(throws: ModelError.self) { try model.build(inputShape: [30_000]) }
        #expect(!model.isBuilt)
        let x = Tensor(shape: [2, 10], scalars: [Float](repeating: 0.1, count: 20))
        #expect(try model.predict(x: x, verbose: 0).shape == [2, 100_000])
    }

    /// A layer object takes one place in one model: a second place, or a second model, is
    /// refused, and the model that holds it goes on unharmed.
    @Test func layerInTwoPlacesIsRefused() throws {
        let shared = Dense(2, activation: "relu")
        #expect(throws: ModelError.self) {
            try Sequential([Dense(2, inputShape: [2]), shared, shared]).compile(loss: "mse")
        }
        let layer = Dense(3, inputShape: [2], activation: "softmax")
        let first = Sequential([layer])
        first.seed = 1
        try first.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        let before = try Self.fitted(first)
        let second = Sequential([layer])
        #expect(throws: ModelError.self) {
            try second.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        }
        #expect(throws: ModelError.self) { try second.predict(x: Self.x, verbose: 0) }
        #expect(first.getWeights() == before)
        let reference = Self.model()
        try reference.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        _ = try Self.fitted(reference)
        #expect(try Self.fitted(first) == Self.fitted(reference))
    }

    /// A model made while another still holds its layers may use them once that one is gone
    /// (a variable given a new model from the same layers).
    @Test func layersPassToTheNextModelWhenTheFirstIsFreed() throws {
        let layers: [any Layer] = [Dense(3, inputShape: [2], activation: "softmax")]
        var first: Sequential? = Sequential(layers)
        try first?.compile(loss: "sparse_categorical_crossentropy")
        let second = Sequential(layers)
        #expect(throws: ModelError.self) {
            try second.compile(loss: "sparse_categorical_crossentropy")
        }
        first = nil
        try second.compile(loss: "sparse_categorical_crossentropy")
        #expect(try second.predict(x: Self.x, verbose: 0).shape == [12, 3])
    }

    /// A layer is free again once its model is gone.
    @Test func layerOfAReleasedModelCanBeReused() throws {
        let layer = Dense(3, inputShape: [2], activation: "softmax")
        do {
            let first = Sequential([layer])
            try first.compile(loss: "sparse_categorical_crossentropy")
        }
        let second = Sequential([layer])
        try second.compile(loss: "sparse_categorical_crossentropy")
        #expect(try second.predict(x: Self.x, verbose: 0).shape == [12, 3])
    }

    /// Adding a layer, compiling or building, or swapping the optimizer from a callback stops
    /// `fit` with an error instead of running on buffers laid out for the old model.
    /// (At a step's end, or at the last epoch's end, before its checkpoint is written.)
    @Test(arguments: ["add", "compile", "build", "optimizer"], [false, true])
    func changingTheModelDuringFitIsRefused(_ change: String, atEpochEnd: Bool) throws {
        let model = Self.model()
        try model.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        let apply = { () throws -> Void in
            switch change {
            case "add": model.add(Dense(3, activation: "softmax"))
            case "compile":
                try model.compile(optimizer: "sgd", loss: "sparse_categorical_crossentropy")
            case "build": try model.build(inputShape: [2])
            default: model.optimizer = SGD()
            }
        }
        let callback =
            atEpochEnd
            ? LambdaCallback(onEpochEnd: { _, _ in try apply() })
            : LambdaCallback(onTrainBatchEnd: { step, _ in if step == 1 { try apply() } })
        let folder = scratchPath("changed")
        #expect(throws: ModelError.self) {
            try model.fit(
                x: Self.x, y: Self.y, batchSize: 4, epochs: atEpochEnd ? 1 : 2, verbose: 0,
                callbacks: [
                    callback, BackupAndRestore(directory: folder, deleteCheckpoint: false),
                ],
                validationSplit: 0.25)
        }
    }

    /// Keras refuses a piecewise schedule without one more value than boundaries when it is
    /// made; here `compile` refuses it, and an edit after that cannot read past the values.
    @Test func piecewiseScheduleNeedsOneMoreValueThanBoundaries() throws {
        let bad = PiecewiseConstantDecay(boundaries: [10, 20, 30], values: [0.1])
        #expect(throws: ModelError.self) {
            try Self.model().compile(optimizer: SGD(schedule: bad), loss: "mse")
        }
        var edited = PiecewiseConstantDecay(boundaries: [2, 4], values: [0.3, 0.2, 0.1])
        #expect(edited.learningRate(at: 3) == 0.2)
        edited.values = [0.3]
        #expect(edited.learningRate(at: 5) == 0.3)
        edited.values = []
        #expect(edited.learningRate(at: 5) == 0)
    }

    /// Every line of a narrow summary still has its three columns.
    @Test(arguments: [Int.min, -5, 0, 10, 19, 20])
    func narrowSummaryKeepsItsColumns(_ width: Int) throws {
        let model = Self.model()
        try model.compile(loss: "mse")
        let lines = model.summaryText(lineLength: width).split(separator: "\n")
        let table = lines.filter { $0.hasPrefix("│") || $0.hasPrefix("┃") }
        #expect(!table.isEmpty)
        for line in table { #expect(line.count == 20, "\(line)") }
    }

    final class BrokenGroup: Communicator {
        let rank: Int, size: Int
        init(rank: Int, size: Int) { (self.rank, self.size) = (rank, size) }
        func allreduceSum(_ buffer: inout [Float]) throws(CommunicatorError) {}
        func allreduceSum(_ buffer: inout [Double]) throws(CommunicatorError) {}
        func broadcast(_ buffer: inout [Float], from root: Int) throws(CommunicatorError) {}
        func gather(_ values: [Float], to root: Int) throws(CommunicatorError) -> [Float] { values }
        func allgather(_ value: UInt64) throws(CommunicatorError) -> [UInt64] {
            [UInt64](repeating: value, count: max(size, 0))
        }
        func abort(exitCode: Int32) -> Never { exit(exitCode) }
    }

    /// A custom communicator with no ranks, or a rank outside its size, is refused.
    @Test(arguments: [(0, 0), (0, -1), (2, 2), (-1, 2)])
    func communicatorMustNameARankOfItsGroup(_ rank: Int, _ size: Int) throws {
        let model = Self.model()
        try model.compile(loss: "sparse_categorical_crossentropy")
        let group = BrokenGroup(rank: rank, size: size)
        #expect(throws: ModelError.self) {
            try model.fit(x: Self.x, y: Self.y, verbose: 0, communicator: group)
        }
        #expect(throws: ModelError.self) {
            try model.evaluate(x: Self.x, y: Self.y, verbose: 0, communicator: group)
        }
        #expect(throws: ModelError.self) {
            try model.predict(x: Self.x, verbose: 0, communicator: group)
        }
    }

    final class Reshaper: Layer {
        let name = "reshaper"
        let className = "Reshaper"
        let output: Shape
        init(_ output: Shape) { self.output = output }
        var declaredInputShape: Shape? { nil }
        var configurationError: ModelError? { nil }
        var slots: [Slot] { [] }
        func build(inputShape: Shape, store: ParameterStore, generator: inout SeededGenerator)
            throws(ModelError) -> Shape
        { output }
        func forward(_ input: Tensor, into output: inout Tensor, training: Bool) {}
        func backward(
            _ input: Tensor, _ output: Tensor, outputGradient: inout Tensor,
            into inputGradient: inout Tensor, needsInputGradient: Bool
        ) {}
    }

    /// A custom layer whose output is not one positive feature count is refused at build.
    @Test(arguments: [[-5], [3, 4], [], [0]] as [Shape])
    func customLayerOutputMustBeRowsOfFeatures(_ shape: Shape) {
        #expect(throws: ModelError.self) {
            try Sequential([Reshaper(shape)]).build(inputShape: [2])
        }
    }

    /// The standalone helpers check their targets as training does.
    @Test func lossAndMetricHelpersCheckTheirTargets() throws {
        let p = Tensor(shape: [1, 2], scalars: [0.3, 0.7])
        let loss = SparseCategoricalCrossentropy()
        #expect(throws: ModelError.self) { try loss.sum(predictions: p, targets: Tensor([.nan])) }
        #expect(throws: ModelError.self) { try loss.sum(predictions: p, targets: Tensor([5])) }
        #expect(throws: ModelError.self) { try loss.sum(predictions: p, targets: Tensor([1, 0])) }
        #expect(throws: ModelError.self) {
            try MeanSquaredError().sum(predictions: p, targets: Tensor([1]))
        }
        #expect(throws: ModelError.self) {
            try BinaryAccuracy().value(predictions: p, targets: Tensor([1]))
        }
        // And they still give the values: -log(0.7), and one hit in two.
        expectClose(try loss.sum(predictions: p, targets: Tensor([1])), -log(0.7), relative: 1e-6)
        #expect(
            try BinaryAccuracy().value(
                predictions: p, targets: Tensor(shape: [1, 2], scalars: [1, 1])) == 0.5)
    }

    /// Keras refuses a plateau factor of 1 or more, and negative penalty factors.
    @Test func kerasRefusedSettingsAreRefused() throws {
        let model = Self.model()
        try model.compile(loss: "sparse_categorical_crossentropy")
        #expect(throws: ModelError.self) {
            try model.fit(
                x: Self.x, y: Self.y, verbose: 0, callbacks: [ReduceLROnPlateau(factor: 1.5)])
        }
        for regularizer in [Regularizer.l2(-0.01), .l1(.nan), Regularizer(l1: 0.1, l2: -1)] {
            #expect(throws: ModelError.self) {
                try Sequential([Dense(2, inputShape: [2], kernelRegularizer: regularizer)])
                    .compile(loss: "mse")
            }
        }
    }

    /// An optimizer used on its own is built on its first update, as Keras builds one:
    /// Adam's first step moves each weight by about the learning rate against its gradient.
    @Test func optimizerUsedAloneIsBuiltOnFirstUpdate() {
        let adam = Adam()
        var w: [Float] = [1, 2, 3], g: [Float] = [0.1, -0.2, 0.3]
        adam.update(parameters: &w, gradients: &g)
        expectClose(w, [0.999, 2.001, 2.999], relative: 1e-5)
        #expect(g == [0, 0, 0] && adam.iterations == 1)
    }

    /// Two models of the same architecture still may not share one optimizer.
    @Test func optimizerSharedByTwinModelsIsRefused() throws {
        let shared = Adam()
        let a = Self.model(), b = Self.model()
        try a.compile(optimizer: shared, loss: "sparse_categorical_crossentropy")
        try b.compile(optimizer: shared, loss: "sparse_categorical_crossentropy")
        _ = try Self.fitted(b)
        #expect(throws: ModelError.self) { try Self.fitted(a) }
    }

    /// Keras refuses `decay_steps` ≤ 0; here compile does.
    @Test func decayStepsMustBePositive() throws {
        for schedule: any LearningRateSchedule in [
            ExponentialDecay(initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9),
            CosineDecay(initialLearningRate: 0.1, decaySteps: -3),
        ] {
            #expect(throws: ModelError.self) {
                try Self.model().compile(optimizer: SGD(schedule: schedule), loss: "mse")
            }
        }
    }

    /// A sparse crossentropy used as a metric checks its labels as the loss does.
    @Test func lossMetricChecksItsLabels() throws {
        let metric = LossMetric(name: "sce", loss: SparseCategoricalCrossentropy())
        let p = Tensor(shape: [1, 2], scalars: [0.3, 0.7])
        for label: Float in [.nan, 5, -1] {
            #expect(throws: ModelError.self) {
                try metric.value(predictions: p, targets: Tensor([label]))
            }
        }
        expectClose(
            try metric.value(predictions: p, targets: Tensor([1])), -log(0.7), relative: 1e-6)
    }

    /// A shape whose rows overflow is refused even when a leading 0 makes the count 0.
    @Test func shapeWhoseRowsOverflowIsRefused() {
        #expect(Tensor.make(shape: [0, Int.max, 2], scalars: []) == nil)
        #expect(Tensor.elementCount([0, Int.max, 2]) == nil)
        #expect(Tensor.elementCount([0, 5]) == 0 && Tensor.elementCount([3, 4]) == 12)
    }

    /// A loss that turns infinite or NaN reaches the history a checkpoint records: the
    /// checkpoint is still written, and read back on resume.
    @Test func checkpointKeepsANaNHistory() throws {
        let folder = scratchPath("nan-ckpt")
        func run() throws -> History {
            let model = Sequential([Dense(1, inputShape: [2])])
            try model.compile(optimizer: SGD(learningRate: 1e12), loss: "mse")
            return try model.fit(
                x: Self.x, y: Self.y, batchSize: 4, epochs: 3, verbose: 0,
                callbacks: [
                    TerminateOnNaN(),
                    BackupAndRestore(directory: folder, saveEverySteps: 1, deleteCheckpoint: false),
                ])
        }
        let first = try run()
        #expect(first.history["loss"]?.last.map { !$0.isFinite } == true)
        let again = try run()
        #expect(again.history["loss"]?.count == first.history["loss"]?.count)
    }

    /// A negative cooldown is no cooldown (Keras counts it down from > 0): the rate keeps
    /// falling at every plateau.
    @Test func negativeCooldownIsNone() throws {
        func finalRate(cooldown: Int) throws -> Float {
            let model = Self.model()
            try model.compile(
                optimizer: SGD(learningRate: 0.1), loss: "sparse_categorical_crossentropy")
            try model.fit(
                x: Self.x, y: Self.y, batchSize: 4, epochs: 4, verbose: 0,
                callbacks: [
                    ReduceLROnPlateau(
                        monitor: "loss", factor: 0.5, patience: 1, minDelta: 1e9, cooldown: cooldown
                    )
                ])
            return model.optimizer.learningRate
        }
        // The first epoch sets the best loss; each of the other three cuts the rate.
        #expect(try finalRate(cooldown: -1) == 0.1 * 0.5 * 0.5 * 0.5)
        #expect(try finalRate(cooldown: -1) == finalRate(cooldown: 0))
    }

    /// Keras's CSV writer takes a one-character separator.
    @Test func csvSeparatorIsOneCharacter() throws {
        for separator in ["", ";;", "\""] {
            let model = Self.model()
            try model.compile(loss: "sparse_categorical_crossentropy")
            #expect(throws: ModelError.self) {
                try model.fit(
                    x: Self.x, y: Self.y, verbose: 0,
                    callbacks: [CSVLogger(scratchPath("log.csv"), separator: separator)])
            }
        }
    }

    /// Two layers of one name are refused as Keras refuses them; a name given by hand (or read
    /// from a file) is skipped by the automatic ones, so a loaded model can grow.
    @Test func layerNamesAreUnique() throws {
        let twins = Sequential([
            Dense(2, inputShape: [2], name: "twin"), Dense(2, name: "twin"),
        ])
        #expect(throws: ModelError.self) { try twins.compile(loss: "mse") }
        let named = Dense(2, inputShape: [2], name: "dense_900")
        let next = Dense(2)
        #expect(next.name != "dense_900")
        let suffix = Int(next.name.split(separator: "_").last ?? "") ?? 0
        #expect(suffix > 900, "\(next.name)")
        let grown = Sequential([named, next])
        try grown.compile(loss: "mse")
    }

    /// A negative group size in the example data counts as none.
    @Test func drugTrialWithNegativeCountsIsEmpty() {
        let data = DrugTrial.make(outliersPerGroup: -1, typicalPerGroup: -3, seed: 1)
        #expect(data.samples.shape == [0, 1] && data.labels.shape == [0])
        let some = DrugTrial.make(outliersPerGroup: -1, typicalPerGroup: 2, seed: 1)
        #expect(some.samples.shape == [4, 1])
    }
}
