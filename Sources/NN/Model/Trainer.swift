import CKernels

/// One `fit` call's training loop: the shuffled order, the step, and the epoch's sums.
final class Trainer {
    let model: Sequential
    let x: any Samples
    let y: Tensor
    /// Per-sample loss weights, when `sampleWeight` or `classWeight` was given.
    let weights: Tensor?
    let batchSize: Int
    let world: any Communicator
    let metrics: MetricLayout
    let steps: Int
    /// The most rows this rank holds in one step.
    let shardRows: Int
    @exclusivity(unchecked) private var order: [Int]
    @exclusivity(unchecked) private var lossState = MeanState()
    /// Every metric's sums for the epoch so far, laid end to end.
    @exclusivity(unchecked) private var metricStates: [Double]
    /// One step's metric sums on this rank, before they join the allreduce.
    @exclusivity(unchecked) private var stepStates: [Double]
    private let wantsBatchLogs: Bool
    /// The model's `structureVersion` when this `fit` began.
    private let structureVersion: Int

    init(
        model: Sequential, x: any Samples, y: Tensor, weights: Tensor? = nil, batchSize: Int,
        world: any Communicator, callbacks: [any Callback] = []
    ) throws {
        self.model = model
        self.x = x
        self.y = y
        self.weights = weights
        // A batch larger than the data is all of it; bounding it keeps the arithmetic below
        // within the row count.
        let batchSize = try Sequential.effectiveBatch(batchSize, rows: x.rows)
        self.batchSize = batchSize
        self.world = world
        metrics = MetricLayout(try model.resolvedMetrics(targetWidth: y.rowWidth))
        steps = (x.rows + batchSize - 1) / batchSize
        order = Array(0..<x.rows)
        let total = metrics.stateCount
        metricStates = [Double](repeating: 0, count: total)
        stepStates = [Double](repeating: 0, count: total)
        wantsBatchLogs = callbacks.contains { $0.wantsBatchLogs }
        structureVersion = model.structureVersion
        shardRows = (min(batchSize, x.rows) + world.size - 1) / world.size
        model.reserve(rows: shardRows, targetShape: Array(y.shape.dropFirst()))
        // Tail of the one allreduce: loss sum, every metric's sums, row count.
        model.store.reserveStatistics(2 + total)
    }

    /// Draws this epoch's order; every rank draws the same one from the shared seed.
    func shuffle(_ generator: inout SeededGenerator) {
        generator.shuffle(&order)
    }

    /// Trains one pass over the data from step `first` (or until a callback stops training),
    /// calling `afterStep` after each step. A resumed epoch keeps the sums it was saved with.
    func runEpoch(
        _ epoch: Int, from first: Int = 0, callbacks: [any Callback] = [],
        progress: inout ProgressLog, afterStep: ((Int) throws -> Void)? = nil
    ) throws {
        try checkUnchanged()
        // Validation or a callback may have used the buffers for other shapes since.
        model.reserve(rows: shardRows, targetShape: Array(y.shape.dropFirst()))
        if first == 0 {
            lossState = MeanState()
            for index in metricStates.indices { metricStates[index] = 0 }
        }
        for step in first..<steps {
            for callback in callbacks { try callback.onTrainBatchBegin(step) }
            try checkUnchanged()
            try runStep(step, epoch: epoch)
            try afterStep?(step)
            try model.onTrainBatchEnd?(epoch, step)
            if wantsBatchLogs {
                let logs = Logs(epochLogs())
                for callback in callbacks { try callback.onTrainBatchEnd(step, logs: logs) }
            }
            if progress.wantsUpdate() { progress.update(current: step + 1, logs: epochLogs()) }
            if model.stopTraining { break }
        }
    }

    /// Stops `fit` when a callback has added a layer, built or compiled the model, or given it
    /// another optimizer: the step's buffers and state were laid out for the model as it was.
    func checkUnchanged() throws(ModelError) {
        guard model.structureVersion == structureVersion else {
            throw .unsupported(
                "Model '\(model.name)' was changed (a layer added, built, compiled, or a new "
                    + "optimizer) while fit was running. Change it before or after fit.")
        }
    }

    /// One global batch: forward and backward on this rank's rows, one allreduce of gradients
    /// and statistics, regularization once, the optimizer step. Allocates nothing.
    func runStep(_ step: Int, epoch: Int = 0) throws {
        let start = step * batchSize
        let batchRows = min(batchSize, x.rows - start)
        let mine = Shards.range(count: batchRows, rank: world.rank, size: world.size)
        Batches.gather(
            x, y, order: order, from: start + mine.lowerBound, count: mine.count,
            into: model.activations[0], model.targets!)
        if let weights {
            Batches.copyRows(
                weights, order: order, from: start + mine.lowerBound, count: mine.count,
                into: model.batchWeights!)
        }
        let next = start + batchSize
        if next < x.rows {
            let nextMine = Shards.range(
                count: min(batchSize, x.rows - next), rank: world.rank, size: world.size)
            Batches.prefetch(
                x, order: order, from: next + nextMine.lowerBound, count: nextMine.count)
        }
        model.forward(training: true, needsOutput: !metrics.isEmpty)
        let localLoss = model.lossAndGradient(scale: 1 / Float(batchRows), weighted: weights != nil)
        model.backward()

        let store = model.store
        let tail = store.count
        store.gradients[tail] = Float(localLoss)
        measureMetrics(into: tail + 1)
        store.gradients[tail + 1 + stepStates.count] = Float(mine.count)
        try world.allreduceSum(&store.gradients)  // the one collective per step

        // Keras logs the batch loss with the penalty of the weights it was computed with.
        // The penalty of the weights the loss was computed with, and its gradient, in one pass.
        let penalty = model.addRegularizationGradients()
        let rows = Double(store.gradients[tail + 1 + stepStates.count])
        let batchLoss = Double(store.gradients[tail]) + penalty * rows
        // Every rank sees the same reduced loss, so every rank stops at the same step.
        if model.failOnNonFiniteLoss, !batchLoss.isFinite {
            throw ModelError.nonFiniteLoss(epoch: epoch + 1, step: step + 1)
        }
        lossState += MeanState(total: batchLoss, count: rows)
        for index in metricStates.indices {
            metricStates[index] += Double(store.gradients[tail + 1 + index])
        }
        model.optimizer.update(parameters: &store.values, gradients: &store.gradients)
        store.gradientsAreZero = model.optimizer.leavesGradientsZero
    }

    /// This step's metric sums on this rank, written into the statistics tail from `offset`.
    private func measureMetrics(into offset: Int) {
        guard !metrics.isEmpty else { return }
        let targets = model.targets!.tensor, output = model.outputTensor
        stepStates.withUnsafeMutableBufferPointer { state in
            state.update(repeating: 0)
            metrics.accumulate(predictions: output, targets: targets, into: state.baseAddress!)
        }
        for index in stepStates.indices {
            model.store.gradients[offset + index] = Float(stepStates[index])
        }
    }

    /// The epoch's order and running sums, for a checkpoint.
    var progressState: (order: [Int], loss: [Double], metrics: [Double]) {
        (order, [lossState.total, lossState.count], metricStates)
    }

    /// Restores `progressState` from a checkpoint of the same run.
    func restore(order: [Int], loss: [Double], metrics: [Double]) throws(ModelError) {
        // The order indexes the data directly: it must be a permutation of the samples.
        var seen = [Bool](repeating: false, count: self.order.count)
        for index in order where index >= 0 && index < seen.count { seen[index] = true }
        guard order.count == self.order.count, loss.count == 2, metrics.count == metricStates.count,
            !seen.contains(false)
        else {
            throw .invalidData("The checkpoint's training state does not fit this data and model.")
        }
        self.order = order
        lossState = MeanState(total: loss[0], count: loss[1])
        metricStates = metrics
    }

    /// The running means so far this epoch, under Keras's keys in sorted order.
    func epochLogs() -> [(key: String, value: Double)] {
        metricStates.withUnsafeBufferPointer {
            metrics.logs(loss: lossState.mean, state: $0.baseAddress!)
        }
    }
}

/// Copies a batch's rows from the data into the model's input and target buffers.
enum Batches {
    static func gather(
        _ x: any Samples, _ y: Tensor, order: [Int], from first: Int, count: Int,
        into inputs: Buffer, _ targets: Buffer
    ) {
        copyRows(x, order: order, from: first, count: count, into: inputs)
        copyRows(y, order: order, from: first, count: count, into: targets)
    }

    /// Starts fetching a batch's sample rows, for the next step's gather to find them on their
    /// way (the rows of a shuffled order are scattered over the data).
    static func prefetch(_ source: any Samples, order: [Int], from first: Int, count: Int) {
        let width = source.rowWidth
        withRows(source, order, from: first) { nn_prefetch_rows($0, $1, count, width) }
    }

    static func copyRows(
        _ source: any Samples, order: [Int], from first: Int, count: Int, into buffer: Buffer
    ) {
        let width = source.rowWidth
        buffer.tensor.setRows(count)
        guard count > 0, width > 0 else { return }
        buffer.tensor.scalars.withUnsafeMutableBufferPointer { d in
            withRows(source, order, from: first) {
                nn_gather_rows(d.baseAddress!, $0, $1, count, width)
            }
        }
    }

    /// Runs `body` with the data's values and the order from `first`, as the C kernels take them.
    private static func withRows(
        _ source: any Samples, _ order: [Int], from first: Int,
        _ body: (UnsafePointer<Float>, UnsafePointer<CLong>) -> Void
    ) {
        source.withUnsafeValues { s in
            order.withUnsafeBufferPointer { o in
                o.baseAddress!.withMemoryRebound(to: CLong.self, capacity: o.count) {
                    body(s.baseAddress!, $0 + first)
                }
            }
        }
    }
}
