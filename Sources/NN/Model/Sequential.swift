import Foundation
import Synchronization

/// A plain stack of layers, each feeding the next. Keras: `keras.Sequential(layers)`.
///
/// ```swift
/// let model = Sequential([
///     Dense(16, inputShape: [1], activation: "relu"),
///     Dense(2, activation: "softmax"),
/// ])
/// try model.compile(optimizer: Adam(learningRate: 1e-4),
///                   loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
/// ```
///
/// The model owns one `ParameterStore` (all weights in one flat buffer) and every activation
/// and gradient buffer, sized once for the largest batch and reused for every step.
public final class Sequential {
    /// The model's name: `"sequential"`, `"sequential_1"`, …
    public let name: String
    /// The layers, in order.
    @exclusivity(unchecked) public private(set) var layers: [any Layer]
    /// The optimizer set by `compile` (before that, Keras's default, RMSprop).
    ///
    /// `model.optimizer.learningRate = 0.01` takes effect from the next step.
    public var optimizer: any Optimizer = RMSprop() {
        didSet { structureVersion += 1 }
    }
    /// The loss set by `compile`.
    public private(set) var loss: (any Loss)?
    /// The metric names given to `compile`, as they appear in logs.
    public private(set) var metricNames: [String] = []
    /// Fixes the initial weights and the shuffling order. Ranks that share it make the same
    /// choices. Defaults to 0. Set it before the model is built.
    public var seed: UInt64 = 0
    /// Receives everything the model prints (logs, summary). Defaults to standard output.
    ///
    /// The default goes through the same buffered stream as Swift's `print`, flushed at once, so
    /// that a program's own lines and the model's logs keep their order in a file or a pipe.
    public var output: (String) -> Void = { text in
        print(text, terminator: "")
        fflush(nil)
    }

    /// Called on every rank after each training step with the epoch and step index (from 0),
    /// like Keras's `on_train_batch_end`. Throwing stops `fit` with that error.
    public var onTrainBatchEnd: ((_ epoch: Int, _ step: Int) throws -> Void)?

    /// All weights and gradients.
    let store = ParameterStore()
    /// The per-sample input shape, once built.
    public private(set) var inputShape: Shape?
    /// Each layer's per-sample output shape, once built.
    private(set) var outputShapes: [Shape] = []
    /// The loss as training computes it: on logits when the output ends with sigmoid/softmax.
    @exclusivity(unchecked) var trainingLoss: (any Loss)?
    /// The final activation the model applies itself when the loss reads logits.
    @exclusivity(unchecked) var logitsActivation: ActivationFunction?
    public internal(set) var isCompiled = false
    /// Whether `fit` has run since the last compile (Keras then counts optimizer state).
    var hasTrained = false
    /// Every penalised weight, gathered once at build so the step does not rebuild the list.
    @exclusivity(unchecked) private var regularized: [(slot: Slot, regularizer: Regularizer)] = []

    /// Stage buffers: `activations[0]` is the input batch, `activations[i + 1]` layer i's output.
    @exclusivity(unchecked) var activations: [Buffer] = []
    /// `gradients[i]` is dLoss/d`activations[i]`.
    @exclusivity(unchecked) var gradients: [Buffer] = []
    /// The output after the final activation, when the model applies it itself.
    @exclusivity(unchecked) var probabilities: Buffer?
    /// The batch's targets.
    @exclusivity(unchecked) var targets: Buffer?
    /// The batch's per-sample loss weights, when training is weighted.
    @exclusivity(unchecked) var batchWeights: Buffer?
    /// The batch's per-sample losses.
    @exclusivity(unchecked) private var sampleLossValues: [Float] = []
    /// Set by a callback (`EarlyStopping`, `TerminateOnNaN`) to end `fit` after the current
    /// step. Keras: `model.stop_training`.
    public var stopTraining = false
    /// When set, `fit` throws `ModelError.nonFiniteLoss` naming the epoch and step as soon as
    /// the (globally reduced) batch loss is NaN or infinite, before the optimizer applies it.
    /// Keras keeps training; the `nntrain` command sets this. Defaults to `false`.
    public var failOnNonFiniteLoss = false
    /// Under MPI, how often (in epochs) `fit` checks that every rank holds the same weights;
    /// 0 turns the check off. A rank whose weights differ stops training with
    /// `CommunicatorError.mismatch` naming it. Defaults to every epoch.
    public var replicaCheckEvery = 1
    /// The ranks of the `fit` under way, for callbacks that act on rank 0 only.
    public internal(set) var activeCommunicator: (any Communicator)?
    /// How many times buffers were (re)allocated: stays flat in steady-state training.
    private(set) var bufferAllocations = 0
    var shuffleGenerator: SeededGenerator
    /// Counts `add`, `build` and `compile`: a `fit` under way stops if a callback changes it.
    private(set) var structureVersion = 0
    /// Which model holds each layer. A layer keeps where its weights sit in the store of the
    /// model that built it, so one layer object cannot serve two models, or two places in one.
    /// A model takes its layers when it builds them and lets them go when it is freed.
    private static let owners = Mutex<[ObjectIdentifier: ObjectIdentifier]>([:])

    /// Makes a model from a list of layers. Keras: `Sequential(layers=None, name=None)`.
    public init(_ layers: [any Layer] = [], name: String? = nil) {
        self.name = name ?? LayerNames.unique("sequential")
        shuffleGenerator = SeededGenerator(seed: 0, stream: 2)
        self.layers = layers
    }

    deinit {
        let me = ObjectIdentifier(self)
        let ids = layers.map { ObjectIdentifier($0) }
        Self.owners.withLock { owners in
            for id in ids where owners[id] == me { owners[id] = nil }
        }
    }

    /// Makes this model the holder of its layers, before it builds them into its store: each
    /// layer once, under a name no other of its layers has (Keras refuses a repeat when the
    /// second is added), and held by no other model.
    private func claimLayers() throws(ModelError) {
        let ids = layers.map { ObjectIdentifier($0) }
        var seenIDs = Set<ObjectIdentifier>(), seenNames = Set<String>()
        for (layer, id) in zip(layers, ids) {
            guard seenIDs.insert(id).inserted else {
                throw .unsupported(
                    "Layer '\(layer.name)' appears twice in model '\(name)'. A layer takes one "
                        + "place in one model: make a new layer for each place.")
            }
            guard seenNames.insert(layer.name).inserted else {
                throw .unsupported(
                    "All layers added to a Sequential model should have unique names. Name "
                        + "'\(layer.name)' is already the name of a layer in this model.")
            }
        }
        let me = ObjectIdentifier(self)
        let taken: Int? = Self.owners.withLock { owners in
            if let index = ids.firstIndex(where: { owners[$0].map { $0 != me } ?? false }) {
                return index
            }
            for id in ids { owners[id] = me }
            return nil
        }
        if let taken {
            throw .unsupported(
                "Layer '\(layers[taken].name)' already belongs to another model. A layer takes one "
                    + "place in one model: make a new layer for model '\(name)'.")
        }
    }

    /// Appends a layer. Keras: `model.add(layer)`.
    public func add(_ layer: any Layer) {
        structureVersion += 1
        layers.append(layer)
        if inputShape != nil {
            // A built model grows: build again from the start (weights are re-initialised).
            inputShape = nil
            store.removeAll()
        }
        if isCompiled {
            // The last layer changed: decide again which activation the loss reads past.
            configureLossHead()
            activations = []
        }
    }

    /// Whether the weights exist yet (they are made once the input shape is known).
    public var isBuilt: Bool { inputShape != nil }

    /// The per-sample output shape of the last layer, once built.
    public var outputShape: Shape? { outputShapes.last }

    /// Creates the weights for a per-sample input shape. Called by `compile` when the first
    /// layer declares `inputShape`, otherwise by the first `fit`, `evaluate` or `predict`.
    public func build(inputShape: Shape) throws(ModelError) {
        guard !layers.isEmpty else {
            throw .invalidArgument(
                name: "layers", value: "[]", expected: "at least one layer in the model")
        }
        try claimLayers()
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw .invalidArgument(
                name: "input_shape", value: ModelError.render(inputShape),
                expected: "one positive feature count: the model takes rows of features")
        }
        structureVersion += 1
        // Unbuilt until every layer is: a layer that throws leaves nothing half made in use.
        self.inputShape = nil
        outputShapes = []
        activations = []
        gradients = []
        store.removeAll()
        var generator = SeededGenerator(seed: seed, stream: 1)
        var shape = inputShape
        var shapes: [Shape] = []
        for layer in layers {
            shape = try layer.build(inputShape: shape, store: store, generator: &generator)
            guard shape.count == 1, shape[0] > 0, shape[0] < 1 << 31 else {
                throw .invalidArgument(
                    name: "output_shape", value: ModelError.render(shape),
                    expected: "one positive feature count from layer '\(layer.name)'")
            }
            shapes.append(shape)
        }
        self.inputShape = inputShape
        outputShapes = shapes
        regularized = layers.flatMap(\.regularizedSlots)
        shuffleGenerator = SeededGenerator(seed: seed, stream: 2)
        probabilities = nil
        targets = nil
        if isCompiled { buildOptimizer() }
    }

    /// The number of weights.
    public var parameterCount: Int { store.count }

    // MARK: compile

    /// Configures the model for training. Keras: `model.compile(optimizer="rmsprop", loss=None,
    /// metrics=None)`.
    ///
    /// - Throws: `ModelError.unknownName` for an unknown metric, or a layer's argument error
    ///   (`units` not positive, an unknown activation name).
    public func compile(
        optimizer: any Optimizer = RMSprop(), loss: any Loss, metrics: [String] = []
    ) throws(ModelError) {
        try claimLayers()
        for layer in layers { if let error = layer.configurationError { throw error } }
        for metric in metrics { try Metrics.validate(metric) }
        try (optimizer as? BaseOptimizer)?.schedule?.validate()
        structureVersion += 1
        self.optimizer = optimizer
        self.loss = loss
        metricNames = metrics
        isCompiled = true
        if inputShape == nil, let declared = layers.first?.declaredInputShape {
            try build(inputShape: declared)
        } else if isBuilt {
            buildOptimizer()
        }
        configureLossHead()
        hasTrained = false
        activations = []  // the output buffers depend on the loss head: size them again
    }

    /// Configures the model for training with Keras names: `compile(optimizer: "adam",
    /// loss: "mse", metrics: ["accuracy"])`. Names may come from variables.
    public func compile(optimizer: String = "rmsprop", loss: String, metrics: [String] = [])
        throws(ModelError)
    {
        try compile(
            optimizer: Optimizers.named(optimizer), loss: Losses.named(loss), metrics: metrics)
    }

    /// Configures the model for training with a typed optimizer and a loss name.
    public func compile(optimizer: any Optimizer, loss: String, metrics: [String] = [])
        throws(ModelError)
    {
        try compile(optimizer: optimizer, loss: Losses.named(loss), metrics: metrics)
    }

    /// The optimizer first and unlabelled, as the Keras notes write it:
    /// `model.compile(Adam(learningRate: 1e-4), loss: "sparse_categorical_crossentropy")`.
    public func compile(_ optimizer: any Optimizer, loss: String, metrics: [String] = [])
        throws(ModelError)
    {
        try compile(optimizer: optimizer, loss: Losses.named(loss), metrics: metrics)
    }

    /// Configures the model for training with an optimizer name and a typed loss.
    public func compile(optimizer: String, loss: any Loss, metrics: [String] = [])
        throws(ModelError)
    {
        try compile(optimizer: Optimizers.named(optimizer), loss: loss, metrics: metrics)
    }

    /// Decides whether the loss reads the logits of a final sigmoid/softmax, as Keras does.
    private func configureLossHead() {
        for case let layer as any ActivatedLayer in layers { layer.emitsLogits = false }
        trainingLoss = loss
        logitsActivation = nil
        guard let last = layers.last as? any ActivatedLayer, let loss,
            let logitsLoss = loss.readingLogits(of: last.activation)
        else { return }
        last.emitsLogits = true
        trainingLoss = logitsLoss
        logitsActivation = last.activation
    }

    // MARK: weights

    /// Where each weight lives in the flat parameter buffer, in `getWeights()` order.
    public var weightSlots: [Slot] { store.slots }

    /// Whether the optimizer has state worth saving (it has been built for this model).
    public var hasOptimizerState: Bool {
        guard isCompiled, isBuilt else { return false }
        guard let base = optimizer as? BaseOptimizer else { return true }
        return base.isBuilt && optimizerServes(base)
    }

    /// Whether `base` was built by this model, for its weights as they are.
    private func optimizerServes(_ base: BaseOptimizer) -> Bool {
        base.owner == ObjectIdentifier(store) && base.slots == store.slots
    }

    /// Sizes the optimizer for this model's weights (done by `compile` and `build`; for
    /// loaders that restore its state).
    public func prepareOptimizer() {
        if isBuilt { buildOptimizer() }
    }

    /// Sizes the optimizer for this model's weights and marks it as this model's.
    private func buildOptimizer() {
        optimizer.build(slots: store.slots)
        (optimizer as? BaseOptimizer)?.owner = ObjectIdentifier(store)
    }

    /// Makes sure the optimizer's state fits this model's weights before a step or a save. An
    /// optimizer assigned after `compile` is sized on first use, as Keras builds one on its
    /// first step; one built for another model's weights is refused, as Keras refuses it.
    func checkOptimizer() throws(ModelError) {
        guard isBuilt, let base = optimizer as? BaseOptimizer else { return }
        if !base.isBuilt {
            buildOptimizer()
        } else if !optimizerServes(base) {
            throw .unsupported(
                "This \(optimizer.name) optimizer was built for another model's weights. An "
                    + "optimizer serves the weights it was built for: give model '\(name)' its own."
            )
        }
        try base.schedule?.validate()
    }

    /// The weights, layer by layer, each kernel `(inputs, units)` then its bias.
    /// Keras: `model.get_weights()`. Empty before the model is built.
    public func getWeights() -> [Tensor] {
        store.slots.map { Tensor(shape: $0.shape, scalars: Array(store.values[$0.range])) }
    }

    /// Replaces the weights, in `getWeights()` order. Keras: `model.set_weights(weights)`.
    ///
    /// - Throws: `ModelError.weightsMismatch` when the count or a shape differs, or
    ///   `ModelError.notCompiled` before the model is built.
    public func setWeights(_ weights: [Tensor]) throws(ModelError) {
        guard isBuilt else { throw .notCompiled }
        let slots = store.slots
        guard weights.count == slots.count else {
            throw .weightsMismatch(
                "You called `set_weights(weights)` on model '\(name)' with a weight list of "
                    + "length \(weights.count), but the model was expecting \(slots.count) weights."
            )
        }
        for (slot, weight) in zip(slots, weights) where slot.shape != weight.shape {
            throw .weightsMismatch(
                "Weight shape \(ModelError.render(slot.shape)) is not compatible with provided "
                    + "weight shape \(ModelError.render(weight.shape)).")
        }
        for (slot, weight) in zip(slots, weights) {
            store.values.replaceSubrange(slot.range, with: weight.values)
        }
    }

    // MARK: buffers and passes

    /// Makes sure every stage buffer holds `rows` rows and targets `targetWidth` values wide.
    func reserve(rows: Int, targetShape: Shape) {
        guard let inputShape else { return }
        // Never shrink: evaluation or prediction during `fit` must leave room for training.
        let rows = max(rows, 1, activations.first?.tensor.capacityRows ?? 0)
        let needsTargets =
            targets.map {
                $0.tensor.capacityRows < rows || Array($0.tensor.shape.dropFirst()) != targetShape
            } ?? true
        if needsTargets {
            let capacity = max(rows, targets?.tensor.capacityRows ?? 0)
            targets = Buffer([capacity] + targetShape, capacityRows: capacity)
            batchWeights = Buffer([capacity], capacityRows: capacity)
            sampleLossValues = [Float](repeating: 0, count: capacity)
            bufferAllocations += 1
        }
        if let first = activations.first, first.tensor.capacityRows >= rows { return }
        let shapes = [inputShape] + outputShapes
        activations = shapes.map { Buffer([rows] + $0, capacityRows: rows) }
        gradients = shapes.map { Buffer([rows] + $0, capacityRows: rows) }
        probabilities = logitsActivation.map { _ in
            Buffer([rows] + outputShapes[outputShapes.count - 1], capacityRows: rows)
        }
        bufferAllocations += 1
    }

    /// Runs the layers over the rows in `activations[0]`; `needsOutput` false skips applying a
    /// final activation the loss reads past (a training step without metrics needs only logits).
    func forward(training: Bool, needsOutput: Bool = true) {
        for index in 0..<layers.count {
            layers[index].forward(
                activations[index].tensor, into: &activations[index + 1].tensor, training: training)
        }
        guard needsOutput, let logitsActivation, let probabilities else { return }
        let logits = activations[layers.count]
        let rows = logits.tensor.rows, width = logits.tensor.rowWidth
        probabilities.tensor.setRows(rows)
        logits.tensor.scalars.withUnsafeBufferPointer { z in
            probabilities.tensor.scalars.withUnsafeMutableBufferPointer { p in
                p.baseAddress!.update(from: z.baseAddress!, count: rows * width)
                logitsActivation.apply(p.baseAddress!, rows: rows, width: width)
            }
        }
    }

    /// The model's output for the rows last run forward (after any final activation).
    var outputTensor: Tensor { (probabilities ?? activations[layers.count]).tensor }

    /// What the training loss reads: the logits when it reads them, the output otherwise.
    var lossInput: Tensor { activations[layers.count].tensor }

    /// The training loss of the rows last run forward, summed over rows (weighted by
    /// `batchWeights` when `weighted`), and its gradient times `scale` into `gradients.last`.
    func lossAndGradient(scale: Float, weighted: Bool) -> Double {
        let loss = trainingLoss!
        let input = lossInput, targets = targets!.tensor
        let rows = input.rows
        return sampleLossValues.withUnsafeMutableBufferPointer { losses in
            let l = losses.baseAddress!
            loss.lossesAndGradient(
                predictions: input, targets: targets, scale: scale, losses: l,
                into: &gradients[layers.count].tensor)
            var total = 0.0
            guard weighted, let weights = batchWeights else {
                for r in 0..<rows { total += Double(l[r]) }
                return total
            }
            // Keras: Σ wᵢ·lossᵢ over the batch size, and each row's gradient scaled by wᵢ.
            let width = input.rowWidth
            weights.tensor.scalars.withUnsafeBufferPointer { w in
                gradients[layers.count].tensor.scalars.withUnsafeMutableBufferPointer { g in
                    for r in 0..<rows {
                        total += Double(w[r] * l[r])
                        for j in r * width..<(r + 1) * width { g[j] *= w[r] }
                    }
                }
            }
            return total
        }
    }

    /// The (unweighted) training loss of the rows last run forward, summed over rows.
    func lossSum() -> Double {
        let rows = lossInput.rows
        return sampleLossValues.withUnsafeMutableBufferPointer { losses in
            trainingLoss!.sampleLosses(
                predictions: lossInput, targets: targets!.tensor, into: losses.baseAddress!)
            return losses.prefix(rows).reduce(0.0) { $0 + Double($1) }
        }
    }

    /// Back-propagates from dLoss/d`lossInput` (already in `gradients.last`) through every
    /// layer, writing weight gradients into the store.
    func backward() {
        store.clearGradientsForBackward()
        var index = layers.count - 1
        while index >= 0 {
            defer { index -= 1 }
            layers[index].backward(
                activations[index].tensor, activations[index + 1].tensor,
                outputGradient: &gradients[index + 1].tensor, into: &gradients[index].tensor,
                needsInputGradient: index > 0)
        }
    }

    /// The regularization penalty of the current weights (Keras adds it to the loss).
    func regularizationPenalty() -> Double {
        var total = 0.0
        store.values.withUnsafeBufferPointer { w in
            for (slot, regularizer) in regularized {
                total += regularizer.penalty(w.baseAddress! + slot.offset, count: slot.count)
            }
        }
        return total
    }

    /// Adds the penalty's gradient to the weight gradients and returns the penalty, in one pass
    /// over the penalised weights (before the optimizer moves them, as Keras logs it).
    func addRegularizationGradients() -> Double {
        var total = 0.0
        store.values.withUnsafeBufferPointer { w in
            store.gradients.withUnsafeMutableBufferPointer { g in
                for index in 0..<regularized.count {
                    let (slot, regularizer) = regularized[index]
                    total += regularizer.penalty(
                        w.baseAddress! + slot.offset,
                        addingGradientTo: g.baseAddress! + slot.offset,
                        count: slot.count)
                }
            }
        }
        return total
    }
}
