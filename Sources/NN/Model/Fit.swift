import Foundation

extension Sequential {
    /// Trains the model. Keras: `model.fit(x, y, batch_size=32, epochs=1, verbose="auto",
    /// validation_split=0.0, validation_data=None, shuffle=True)`.
    ///
    /// `batchSize` is the global batch: with a communicator of N ranks, each rank trains on its
    /// contiguous slice of every batch and one allreduce per step sums the gradients, losses and
    /// metrics, so every rank takes the single-process step and logs the single-process values.
    /// Only rank 0 prints.
    ///
    /// - Parameters:
    ///   - x: Samples, shape `(samples, features)`.
    ///   - y: Targets: class labels `(samples,)` or `(samples, 1)`, or `(samples, outputs)`.
    ///   - batchSize: Samples per gradient step. Defaults to 32.
    ///   - epochs: Passes over the data. Defaults to 1.
    ///   - shuffle: Reshuffle the samples before each epoch. Defaults to `true`.
    ///   - verbose: 0 silent, 1 progress bar (a line per epoch when not a terminal), 2 a line
    ///     per epoch. Defaults to 1.
    ///   - validationSplit: Fraction of the data, taken from the end before shuffling, used only
    ///     for `val_` metrics. Defaults to 0.
    ///   - validationData: Data for `val_` metrics; overrides `validationSplit`.
    ///   - communicator: The ranks training together. Defaults to this process alone.
    /// - Returns: The `History` of per-epoch logs.
    /// - Throws: `ModelError` for bad arguments or data, `CommunicatorError` when ranks
    ///   disagree or a collective fails.
    @discardableResult
    public func fit(
        x: Tensor, y: Tensor, batchSize: Int = 32, epochs: Int = 1, shuffle: Bool = true,
        verbose: Int = 1, validationSplit: Double = 0,
        validationData: (x: Tensor, y: Tensor)? = nil,
        communicator: any Communicator = LocalCommunicator()
    ) throws -> History {
        guard isCompiled else { throw ModelError.notCompiled }
        try Self.checkPositive(batchSize, "batch_size")
        guard epochs >= 0 else {
            throw ModelError.invalidArgument(
                name: "epochs", value: String(epochs), expected: "a non-negative integer")
        }
        try Self.checkVerbose(verbose)
        guard validationSplit >= 0, validationSplit < 1 else {
            throw ModelError.invalidArgument(
                name: "validation_split", value: String(validationSplit),
                expected: "a number in [0, 1)")
        }
        try prepare(x: x, y: y)
        var (trainX, trainY) = (x, y)
        var validation = validationData
        if validation == nil, validationSplit > 0 {
            let splitAt = Int((Double(x.rows) * (1 - validationSplit)).rounded(.down))
            guard splitAt > 0, splitAt < x.rows else {
                throw ModelError.invalidData(
                    "validation_split=\(validationSplit) leaves no samples for training or "
                        + "validation out of \(x.rows).")
            }
            validation = (x.rows(splitAt..<x.rows), y.rows(splitAt..<y.rows))
            (trainX, trainY) = (x.rows(0..<splitAt), y.rows(0..<splitAt))
        }
        if let validation { try prepare(x: validation.x, y: validation.y, role: "validation x") }
        try checkAgreement(
            x: trainX, y: trainY, batchSize: batchSize, epochs: epochs,
            shuffle: shuffle, over: communicator)
        var weights = store.values
        try communicator.broadcast(&weights, from: 0)
        store.values = weights

        var trainer = try Trainer(
            model: self, x: trainX, y: trainY, batchSize: batchSize, world: communicator)
        let history = History()
        hasTrained = true
        for epoch in 0..<epochs {
            if verbose > 0, epochs > 1, communicator.isRoot {
                output("Epoch \(epoch + 1)/\(epochs)\n")
            }
            var progress = ProgressLog(
                verbose: communicator.isRoot ? verbose : 0, target: trainer.steps, write: output)
            if shuffle { trainer.shuffle(&shuffleGenerator) }
            try trainer.runEpoch(epoch, progress: &progress)
            var logs = trainer.epochLogs()
            if let validation {
                let validationLogs = try measure(
                    x: validation.x, y: validation.y, batchSize: batchSize, world: communicator)
                logs += validationLogs.map { ("val_" + $0.key, $0.value) }
            }
            progress.finish(logs: logs)
            history.record(epoch: epoch, logs: logs)
        }
        return history
    }

    static func checkPositive(_ value: Int, _ name: String) throws(ModelError) {
        guard value > 0 else {
            throw .invalidArgument(name: name, value: String(value), expected: "a positive integer")
        }
    }

    static func checkVerbose(_ verbose: Int) throws(ModelError) {
        guard (0...2).contains(verbose) else {
            throw .invalidArgument(name: "verbose", value: String(verbose), expected: "0, 1 or 2")
        }
    }
}

/// One `fit` call's training loop: the shuffled order, the step, and the epoch's sums.
struct Trainer {
    let model: Sequential
    let x: Tensor
    let y: Tensor
    let batchSize: Int
    let world: any Communicator
    let metrics: [any Metric]
    let steps: Int
    private var order: [Int]
    private var lossState = MeanState()
    private var metricStates: [MeanState]

    init(model: Sequential, x: Tensor, y: Tensor, batchSize: Int, world: any Communicator) throws {
        self.model = model
        self.x = x
        self.y = y
        self.batchSize = batchSize
        self.world = world
        metrics = try model.resolvedMetrics(targetWidth: y.rowWidth)
        steps = (x.rows + batchSize - 1) / batchSize
        order = Array(0..<x.rows)
        metricStates = Array(repeating: MeanState(), count: metrics.count)
        let shardRows = (min(batchSize, x.rows) + world.size - 1) / world.size
        model.reserve(rows: shardRows, targetShape: Array(y.shape.dropFirst()))
        // Tail of the one allreduce: loss sum, (total, count) per metric, row count.
        model.store.reserveStatistics(2 + 2 * metrics.count)
    }

    /// Draws this epoch's order; every rank draws the same one from the shared seed.
    mutating func shuffle(_ generator: inout SeededGenerator) {
        generator.shuffle(&order)
    }

    /// Trains one pass over the data, updating `progress` after each step.
    mutating func runEpoch(_ epoch: Int, progress: inout ProgressLog) throws {
        lossState = MeanState()
        for index in metricStates.indices { metricStates[index] = MeanState() }
        for step in 0..<steps {
            try runStep(step)
            try model.onTrainBatchEnd?(epoch, step)
            if progress.wantsUpdate() { progress.update(current: step + 1, logs: epochLogs()) }
        }
    }

    /// One global batch: forward and backward on this rank's rows, one allreduce of gradients
    /// and statistics, regularization once, the optimizer step. Allocates nothing.
    mutating func runStep(_ step: Int) throws(CommunicatorError) {
        let start = step * batchSize
        let batchRows = min(batchSize, x.rows - start)
        let mine = Shards.range(count: batchRows, rank: world.rank, size: world.size)
        Batches.gather(
            x, y, order: order, from: start + mine.lowerBound, count: mine.count,
            into: model.activations[0], model.targets!)
        model.forward(training: true)
        let loss = model.trainingLoss!
        let targets = model.targets!.tensor
        let localLoss = loss.sum(predictions: model.lossInput, targets: targets)
        loss.gradient(
            predictions: model.lossInput, targets: targets, scale: 1 / Float(batchRows),
            into: &model.gradients[model.layers.count].tensor)
        model.backward()

        let store = model.store
        let tail = store.count
        store.gradients[tail] = Float(localLoss)
        for (index, metric) in metrics.enumerated() {
            let state = metric.measure(predictions: model.outputTensor, targets: targets)
            store.gradients[tail + 1 + 2 * index] = Float(state.total)
            store.gradients[tail + 2 + 2 * index] = Float(state.count)
        }
        store.gradients[tail + 1 + 2 * metrics.count] = Float(mine.count)
        try world.allreduceSum(&store.gradients)  // the one collective per step

        // Keras logs the batch loss with the penalty of the weights it was computed with.
        let penalty = model.regularizationPenalty()
        let rows = Double(store.gradients[tail + 1 + 2 * metrics.count])
        lossState += MeanState(total: Double(store.gradients[tail]) + penalty * rows, count: rows)
        for index in metrics.indices {
            metricStates[index] += MeanState(
                total: Double(store.gradients[tail + 1 + 2 * index]),
                count: Double(store.gradients[tail + 2 + 2 * index]))
        }
        model.addRegularizationGradients()
        model.optimizer.update(parameters: &store.values, gradients: &store.gradients)
    }

    /// The running means so far this epoch, under Keras's keys in sorted order.
    func epochLogs() -> [(key: String, value: Double)] {
        var logs = [("loss", lossState.mean)]
        for (metric, state) in zip(metrics, metricStates) { logs.append((metric.name, state.mean)) }
        return logs.sorted { $0.0 < $1.0 }
    }
}

/// Copies a batch's rows from the data into the model's input and target buffers.
enum Batches {
    static func gather(
        _ x: Tensor, _ y: Tensor, order: [Int], from first: Int, count: Int,
        into inputs: Buffer, _ targets: Buffer
    ) {
        copyRows(x, order: order, from: first, count: count, into: inputs)
        copyRows(y, order: order, from: first, count: count, into: targets)
    }

    static func copyRows(
        _ source: Tensor, order: [Int], from first: Int, count: Int, into buffer: Buffer
    ) {
        let width = source.rowWidth
        buffer.tensor.setRows(count)
        source.scalars.withUnsafeBufferPointer { s in
            buffer.tensor.scalars.withUnsafeMutableBufferPointer { d in
                for r in 0..<count {
                    (d.baseAddress! + r * width).update(
                        from: s.baseAddress! + order[first + r] * width, count: width)
                }
            }
        }
    }
}
