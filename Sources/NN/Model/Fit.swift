import Foundation

extension Sequential {
    /// Trains the model. Keras: `model.fit(x, y, batch_size=32, epochs=1, verbose="auto",
    /// callbacks=None, validation_split=0.0, validation_data=None, shuffle=True,
    /// class_weight=None, sample_weight=None, initial_epoch=0)`.
    ///
    /// `batchSize` is the global batch: with a communicator of N ranks, each rank trains on its
    /// contiguous slice of every batch and one allreduce per step sums the gradients, losses and
    /// metrics, so every rank takes the single-process step, logs the single-process values and
    /// lets its callbacks make the same decisions. Only rank 0 prints and writes files.
    ///
    /// - Parameters:
    ///   - x: Samples, shape `(samples, features)`.
    ///   - y: Targets: class labels `(samples,)` or `(samples, 1)`, or `(samples, outputs)`.
    ///   - batchSize: Samples per gradient step. Defaults to 32.
    ///   - epochs: The epoch to stop at (training runs `initialEpoch..<epochs`). Defaults to 1.
    ///   - shuffle: Reshuffle the samples before each epoch. Defaults to `true`.
    ///   - verbose: 0 silent, 1 progress bar (a line per epoch when not a terminal), 2 a line
    ///     per epoch. Defaults to 1.
    ///   - callbacks: Called at Keras's hooks (`EarlyStopping`, `ReduceLROnPlateau`, …).
    ///   - validationSplit: Fraction of the data, taken from the end before shuffling, used only
    ///     for `val_` metrics. Defaults to 0.
    ///   - validationData: Data for `val_` metrics; overrides `validationSplit`.
    ///   - classWeight: Loss weight per class index; classes not listed weigh 1.
    ///   - sampleWeight: Loss weight per sample, shape `(samples,)`. As in Keras, weights scale
    ///     the loss (a batch's loss is `Σ wᵢ·lossᵢ / batch size`) but not the metrics.
    ///   - initialEpoch: The epoch to start from (for resuming). Defaults to 0.
    ///   - communicator: The ranks training together. Defaults to this process alone.
    /// - Returns: The `History` of per-epoch logs.
    /// - Throws: `ModelError` for bad arguments or data, `CommunicatorError` when ranks
    ///   disagree or a collective fails, and whatever a callback throws.
    @discardableResult
    public func fit(
        x: any Samples, y: Tensor, batchSize: Int = 32, epochs: Int = 1, shuffle: Bool = true,
        verbose: Int = 1, callbacks: [any Callback] = [], validationSplit: Double = 0,
        validationData: (x: Tensor, y: Tensor)? = nil, classWeight: [Int: Float]? = nil,
        sampleWeight: Tensor? = nil, initialEpoch: Int = 0,
        communicator: any Communicator = LocalCommunicator()
    ) throws -> History {
        let (trainX, trainY, weights, validation) = try together(communicator, "start training") {
            () throws -> (any Samples, Tensor, Tensor?, (x: any Samples, y: Tensor)?) in
            guard isCompiled else { throw ModelError.notCompiled }
            try Self.checkPositive(batchSize, "batch_size")
            guard epochs >= 0 else {
                throw ModelError.invalidArgument(
                    name: "epochs", value: String(epochs), expected: "a non-negative integer")
            }
            guard initialEpoch >= 0 else {
                throw ModelError.invalidArgument(
                    name: "initial_epoch", value: String(initialEpoch),
                    expected: "a non-negative integer")
            }
            try Self.checkVerbose(verbose)
            guard validationSplit >= 0, validationSplit < 1 else {
                throw ModelError.invalidArgument(
                    name: "validation_split", value: String(validationSplit),
                    expected: "a number in [0, 1)")
            }
            try prepare(x: x, y: y)
            var weights = try sampleWeights(
                y: y, classWeight: classWeight, sampleWeight: sampleWeight)
            var (trainX, trainY): (any Samples, Tensor) = (x, y)
            var validation: (x: any Samples, y: Tensor)? = validationData.map { ($0.x, $0.y) }
            if validation == nil, validationSplit > 0 {
                let splitAt = Int((Double(x.rows) * (1 - validationSplit)).rounded(.down))
                guard splitAt > 0, splitAt < x.rows else {
                    throw ModelError.invalidData(
                        "validation_split=\(validationSplit) leaves no samples for training or "
                            + "validation out of \(x.rows).")
                }
                validation = (x.slice(splitAt..<x.rows), y.rows(splitAt..<y.rows))
                (trainX, trainY) = (x.slice(0..<splitAt), y.rows(0..<splitAt))
                weights = weights.map { $0.rows(0..<splitAt) }
            }
            // A split of x was checked with x.
            if let validationData {
                try prepare(x: validationData.x, y: validationData.y, role: "validation x")
            }
            try checkOptimizer()
            return (trainX, trainY, weights, validation)
        }
        let backup = callbacks.lazy.compactMap { $0 as? BackupAndRestore }.first
        // Hashing the data costs a pass over it: only when ranks compare it or a checkpoint
        // records it.
        let fingerprints =
            communicator.size > 1 || backup != nil
            ? trainingFingerprints(
                x: trainX, y: trainY, batchSize: batchSize, epochs: epochs, shuffle: shuffle)
            : (configuration: 0, data: 0)
        try checkAgreement(fingerprints, over: communicator)
        try checkOptimizerState(over: communicator)
        var values = store.values
        try communicator.broadcast(&values, from: 0)
        store.values = values

        let trainer = try Trainer(
            model: self, x: trainX, y: trainY, weights: weights, batchSize: batchSize,
            world: communicator, callbacks: callbacks)
        let history = History()
        hasTrained = true
        stopTraining = false
        activeCommunicator = communicator
        defer { activeCommunicator = nil }
        // Every rank reads the checkpoint and restores from it, then all agree it worked.
        let resumed: (epoch: Int, step: Int)? = try together(
            communicator, "resume from the checkpoint"
        ) {
            guard let backup, let saved = try backup.load() else { return nil }
            let place = try resume(
                from: saved, backup: backup, fingerprints: fingerprints, trainer: trainer,
                history: history)
            // A run that a callback had already ended resumes to nothing left to do.
            return saved.header.stopped == true ? (max(epochs, place.epoch), 0) : place
        }
        let start = resumed ?? (epoch: initialEpoch, step: 0)
        // Every rank must continue from the same place (a checkpoint folder that is not shared
        // between hosts would otherwise put them at different steps).
        // The place, and whether it comes from a checkpoint (the check below runs only then).
        let places = try communicator.allgather(
            (resumed == nil ? 0 : 1 << 63) | UInt64(start.epoch) << 32 | UInt64(start.step))
        if let rank = places.firstIndex(where: { $0 != places[0] }) {
            throw CommunicatorError.mismatch(
                "rank \(rank) resumes at a different epoch or step (or from no checkpoint) than rank 0; give every rank the "
                    + "same checkpoint folder")
        }
        if resumed != nil {
            try checkResumedState(order: trainer.progressState.order, over: communicator)
        }
        func save(epoch: Int, step: Int) throws {
            guard let backup else { return }
            let (order, loss, metrics) = trainer.progressState
            let checkpoint = Checkpoint(
                header: .init(
                    configuration: fingerprints.configuration, data: fingerprints.data,
                    epoch: epoch,
                    step: step, generator: shuffleGenerator.state, loss: loss,
                    metricStates: metrics,
                    history: history.history, historyEpochs: history.epoch,
                    optimizer: optimizer.exportState(), weightCount: store.count,
                    orderCount: order.count, stopped: stopTraining),
                weights: store.values, order: order)
            // Rank 0 writes; all learn whether it could, so none waits in the next step.
            try together(communicator, "write the checkpoint") {
                try backup.save(checkpoint, isRoot: communicator.isRoot)
            }
        }

        for callback in callbacks { callback.setModel(self) }
        for callback in callbacks { try callback.onTrainBegin() }
        var finishedEpoch: Int?
        for epoch in start.epoch..<max(epochs, start.epoch) {
            let first = epoch == start.epoch ? start.step : 0
            for callback in callbacks { try callback.onEpochBegin(epoch) }
            if verbose > 0, epochs > 1, communicator.isRoot {
                output("Epoch \(epoch + 1)/\(epochs)\n")
            }
            var progress = ProgressLog(
                verbose: communicator.isRoot ? verbose : 0, target: trainer.steps, write: output)
            // A resumed epoch continues in the order it was saved with.
            if shuffle, first == 0 { trainer.shuffle(&shuffleGenerator) }
            try trainer.runEpoch(epoch, from: first, callbacks: callbacks, progress: &progress) {
                step in
                if let every = backup?.saveEverySteps, self.optimizer.iterations % every == 0 {
                    try save(epoch: epoch, step: step + 1)
                }
            }
            var logs = trainer.epochLogs()
            if let validation {
                try trainer.checkUnchanged()
                let validationLogs = try measure(
                    x: validation.x, y: validation.y, batchSize: batchSize, world: communicator)
                logs += validationLogs.map { ("val_" + $0.key, $0.value) }
            }
            var dictionary = Logs(logs)
            for callback in callbacks { try callback.onEpochEnd(epoch, logs: &dictionary) }
            // Before this epoch's checkpoint records a model a callback has just changed.
            try trainer.checkUnchanged()
            // Keras's order: training keys sorted, then val_ keys, then what callbacks added.
            let known = Set(logs.map(\.key))
            let finalLogs =
                logs.map { (key: $0.key, value: dictionary[$0.key] ?? $0.value) }
                + dictionary.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }
                .map { (key: $0.key, value: $0.value) }
            progress.finish(logs: finalLogs)
            history.record(epoch: epoch, logs: finalLogs)
            if replicaCheckEvery > 0, (epoch + 1) % replicaCheckEvery == 0 {
                try checkReplicas(after: epoch, over: communicator)
            }
            try save(epoch: epoch + 1, step: 0)
            finishedEpoch = epoch + 1
            if stopTraining { break }
        }
        for callback in callbacks { try callback.onTrainEnd() }
        // A checkpoint that stays ends with the weights the run ends with (EarlyStopping may
        // have restored its best ones), so that resuming a finished run changes nothing.
        if let backup, !backup.deleteCheckpoint, let finishedEpoch {
            try save(epoch: finishedEpoch, step: 0)
        }
        backup?.finish(isRoot: communicator.isRoot)
        return history
    }

    /// Restores weights, optimizer, shuffle state, the epoch's sums and History from a
    /// checkpoint of this very run, and returns where to continue.
    private func resume(
        from saved: Checkpoint, backup: BackupAndRestore,
        fingerprints: (configuration: UInt64, data: UInt64), trainer: Trainer, history: History
    ) throws -> (epoch: Int, step: Int) {
        guard saved.header.configuration == fingerprints.configuration,
            saved.header.data == fingerprints.data, saved.weights.count == store.count
        else {
            throw ModelError.file(
                path: backup.path,
                problem: "this checkpoint belongs to a different configuration or data; "
                    + "remove it or choose another checkpoint folder")
        }
        store.values = saved.weights
        try optimizer.importState(saved.header.optimizer)
        shuffleGenerator.state = saved.header.generator
        try trainer.restore(
            order: saved.order, loss: saved.header.loss, metrics: saved.header.metricStates)
        history.restore(history: saved.header.history, epochs: saved.header.historyEpochs)
        guard saved.header.step <= trainer.steps else {
            throw ModelError.file(
                path: backup.path, problem: "corrupt checkpoint (step \(saved.header.step))")
        }
        return (saved.header.epoch, saved.header.step)
    }

    /// Per-sample loss weights from `sampleWeight` and `classWeight` (multiplied when both are
    /// given, as in Keras), or nil when neither is.
    func sampleWeights(y: Tensor, classWeight: [Int: Float]?, sampleWeight: Tensor?)
        throws(ModelError) -> Tensor?
    {
        guard classWeight != nil || sampleWeight != nil else { return nil }
        var weights = [Float](repeating: 1, count: y.rows)
        if let sampleWeight {
            guard sampleWeight.count == y.rows else {
                throw .invalidData(
                    "sample_weight must have one value per sample. Received: "
                        + "\(sampleWeight.count) weights for \(y.rows) samples")
            }
            for (index, weight) in sampleWeight.values.enumerated() {
                guard weight.isFinite, weight >= 0 else {
                    throw .invalidData(
                        "sample_weight must be finite and non-negative. Received: \(weight) for "
                            + "sample \(index)")
                }
                weights[index] = weight
            }
        }
        if let classWeight {
            for row in 0..<y.rows {
                let label =
                    y.rowWidth == 1
                    ? ArgMax.classIndex(y.scalars[row])
                    : ArgMax.of(y.scalars, row: row, width: y.rowWidth)
                weights[row] *= classWeight[label] ?? 1
            }
        }
        return Tensor(weights)
    }

    /// The batch a step takes from `rows` rows: a larger one is all of them. It must fit the
    /// 32-bit row counts OpenBLAS takes.
    static func effectiveBatch(_ batchSize: Int, rows: Int) throws(ModelError) -> Int {
        let batch = min(batchSize, max(rows, 1))
        guard batch <= Int(Int32.max) else {
            throw .invalidArgument(
                name: "batch_size", value: String(batchSize),
                expected: "at most 2147483647 rows in one batch (OpenBLAS counts rows in 32 bits)")
        }
        return batch
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
