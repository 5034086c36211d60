import Foundation

extension Sequential {
    /// Returns the loss and metrics on `x`, `y`. Keras: `model.evaluate(x, y, batch_size=32,
    /// verbose="auto", return_dict=True)`.
    ///
    /// The loss includes the regularization penalty, as in Keras. With a communicator, rows are
    /// split over the ranks and every rank gets the global values.
    public func evaluate(
        x: any Samples, y: Tensor, batchSize: Int = 32, verbose: Int = 1,
        communicator: any Communicator = LocalCommunicator()
    ) throws -> [String: Double] {
        guard isCompiled else { throw ModelError.notCompiled }
        try Self.checkPositive(batchSize, "batch_size")
        try Self.checkVerbose(verbose)
        try together(communicator, "start evaluating") { try prepare(x: x, y: y) }
        try checkSameInputs([x, y], "evaluate", over: communicator)
        let batchSize = try Self.effectiveBatch(batchSize, rows: x.rows)
        var progress = ProgressLog(
            verbose: communicator.isRoot ? verbose : 0,
            target: (x.rows + batchSize - 1) / batchSize,
            write: output)
        let logs = try measure(x: x, y: y, batchSize: batchSize, world: communicator)
        progress.finish(logs: logs)
        return Dictionary(uniqueKeysWithValues: logs.map { ($0.key, $0.value) })
    }

    /// The loss and metrics over `x`, `y`, in sorted key order, from one allreduce.
    func measure(x: any Samples, y: Tensor, batchSize: Int, world: any Communicator) throws
        -> [(key: String, value: Double)]
    {
        let metrics = MetricLayout(try resolvedMetrics(targetWidth: y.rowWidth))
        let batchSize = try Self.effectiveBatch(batchSize, rows: x.rows)
        let stateCount = metrics.stateCount
        let shardRows = (min(batchSize, x.rows) + world.size - 1) / world.size
        reserve(rows: shardRows, targetShape: Array(y.shape.dropFirst()))
        let identity = Array(0..<x.rows)
        // [loss sum, every metric's sums, rows]
        var sums = [Double](repeating: 0, count: 2 + stateCount)
        for start in stride(from: 0, to: x.rows, by: batchSize) {
            let batchRows = min(batchSize, x.rows - start)
            let mine = Shards.range(count: batchRows, rank: world.rank, size: world.size)
            Batches.gather(
                x, y, order: identity, from: start + mine.lowerBound, count: mine.count,
                into: activations[0], targets!)
            forward(training: false)
            sums[0] += lossSum()
            let output = outputTensor, targetTensor = targets!.tensor
            sums.withUnsafeMutableBufferPointer { state in
                metrics.accumulate(
                    predictions: output, targets: targetTensor, into: state.baseAddress! + 1)
            }
            sums[1 + stateCount] += Double(mine.count)
        }
        try world.allreduceSum(&sums)
        let rows = sums[1 + stateCount]
        let loss = sums[0] / rows + regularizationPenalty()
        return sums.withUnsafeBufferPointer {
            metrics.logs(loss: loss, state: $0.baseAddress! + 1)
        }
    }

    /// Returns the model's outputs for `x`, shape `(samples, units)`. Keras: `model.predict(x,
    /// batch_size=32, verbose="auto")`.
    ///
    /// With a communicator, each rank computes a contiguous block of rows and rank 0 gathers
    /// them: rank 0 gets every row, the other ranks a tensor with no rows.
    public func predict(
        x: any Samples, batchSize: Int = 32, verbose: Int = 1,
        communicator: any Communicator = LocalCommunicator()
    ) throws -> Tensor {
        try Self.checkPositive(batchSize, "batch_size")
        try Self.checkVerbose(verbose)
        try together(communicator, "start predicting") { try prepare(x: x, y: nil) }
        try checkSameInputs([x], "predict from", over: communicator)
        let batchSize = try Self.effectiveBatch(batchSize, rows: x.rows)
        let width = outputShape?.last ?? 0
        var progress = ProgressLog(
            verbose: communicator.isRoot ? verbose : 0,
            target: (x.rows + batchSize - 1) / batchSize,
            write: output)
        let block = Shards.range(count: x.rows, rank: communicator.rank, size: communicator.size)
        reserve(rows: min(batchSize, max(block.count, 1)), targetShape: [width])
        var local = [Float]()
        local.reserveCapacity(block.count * width)
        let identity = Array(0..<x.rows)
        for start in stride(from: block.lowerBound, to: block.upperBound, by: batchSize) {
            let rows = min(batchSize, block.upperBound - start)
            Batches.copyRows(x, order: identity, from: start, count: rows, into: activations[0])
            forward(training: false)
            local.append(contentsOf: outputTensor.scalars[0..<(rows * width)])
        }
        let all = try communicator.gather(local, to: 0)
        progress.finish(logs: [])
        guard all.count % max(width, 1) == 0 else {
            throw CommunicatorError.mismatch(
                "the gathered predictions (\(all.count) values) are not whole rows of \(width)")
        }
        return Tensor(shape: [all.count / max(width, 1), width], scalars: all)
    }
}
