import Foundation
import NN
import NNSaving

/// One run of the trainer: the data, the compiled model and what to report.
struct Job {
    let options: Options
    let model: Sequential
    let x: any Samples
    let y: Tensor
    let test: (x: Tensor, y: Tensor?)?
    let batchSize: Int
    let epochs: Int

    /// Loads the data and builds and compiles the model, checking everything a rank can check
    /// alone.
    /// Loads everything before MPI starts (reading a Keras file forks a probe process, which
    /// MPI does not like once initialised); `rank` comes from the launcher's environment.
    init(options: Options, rank: Int) throws {
        self.options = options
        if let xPath = options.x, let yPath = options.y {
            // A float32 .npy is mapped, not copied: ranks on one machine share its pages.
            x =
                xPath.lowercased().hasSuffix(".npy")
                ? try NumpyFile.map(xPath) : try DataFiles.read(xPath)
            y = try DataFiles.read(yPath)
            if let testX = options.testX {
                test = (try DataFiles.read(testX), try options.testY.map { try DataFiles.read($0) })
            } else {
                test = nil
            }
        } else {
            let train = DrugTrial.training(seed: options.seed)
            let testSet = DrugTrial.test(seed: options.seed)
            (x, y) = (train.samples, train.labels)
            test = (testSet.samples, testSet.labels)
        }
        batchSize = options.batchSize ?? (options.isExample ? 10 : 32)
        epochs = options.epochs ?? (options.isExample ? 20 : 1)

        model = try Self.makeModel(options: options, features: x.rowWidth)
        if let path = options.initialWeights { try model.loadWeights(path) }
        try model.validate(x: x, y: y)
        if let test {
            // The library's words are about fit's x and y: say which files they mean.
            do { try model.validate(x: test.x, y: test.y) } catch {
                throw ModelError.invalidData("--test-x/--test-y: \(error)")
            }
        }
        // A NaN or infinite loss ends the run at that step, before a checkpoint could keep it.
        model.failOnNonFiniteLoss = true
        FaultInjection.install(on: model, rank: rank)
    }

    /// The model from `--model` or `--layers`, compiled from the flags (over the file's own
    /// compile settings, which stay when no compile flag is given).
    static func makeModel(options: Options, features: Int) throws -> Sequential {
        let model: Sequential
        if let path = options.model {
            model = try Sequential.load(path)
            model.seed = options.seed
            if !model.isBuilt { try model.build(inputShape: [features]) }
        } else {
            var layers: [any Layer] = []
            for (index, spec) in try LayerSpec.parse(options.layers ?? LayerSpec.notesModel)
                .enumerated()
            {
                layers.append(
                    Dense(
                        spec.units, inputShape: index == 0 ? [features] : nil,
                        activation: spec.activation, kernelRegularizer: spec.regularizer))
            }
            model = Sequential(layers)
            model.seed = options.seed
        }
        // Options.validate allows --momentum and --nesterov only with --optimizer sgd.
        let overridesCompile =
            options.loss != nil || options.optimizer != nil || options.metrics != nil
        if !model.isCompiled || overridesCompile {
            let configured: any Optimizer
            if options.momentum != 0 || options.nesterov {
                configured = SGD(momentum: options.momentum, nesterov: options.nesterov)
            } else if let name = options.optimizer ?? (model.isCompiled ? nil : "adam") {
                configured = try Optimizers.named(name)
            } else {
                configured = model.optimizer
            }
            let loss =
                try options.loss.map { try Losses.named($0) } ?? model.loss
                ?? SparseCategoricalCrossentropy()
            let metrics =
                options.metrics == nil && model.isCompiled ? model.metricNames : options.metricNames
            if options.learningRate == nil, options.isExample { configured.learningRate = 1e-4 }
            // Keeping the file's optimizer keeps its state (moments, iterations), as Keras does.
            let kept =
                configured === model.optimizer && model.isCompiled
                ? model.optimizer.exportState() : nil
            try model.compile(optimizer: configured, loss: loss, metrics: metrics)
            if let kept { try model.optimizer.importState(kept) }
        }
        if let rate = options.learningRate { model.optimizer.learningRate = rate }
        return model
    }

    /// Trains, then evaluates, predicts and writes outputs (rank 0 prints and writes).
    func run(world: any Communicator) throws {
        let history = try model.fit(
            x: x, y: y, batchSize: batchSize, epochs: epochs, shuffle: options.shuffle,
            verbose: options.verbose, callbacks: callbacks(rank: world.rank),
            validationSplit: options.validationSplit, communicator: world)
        if world.isRoot, let path = options.historyOut {
            try HistoryFile.write(history, to: path)
        }
        if world.isRoot, let path = options.plot {
            try HistoryPlot.write(history, to: path)
        }
        if world.isRoot, let path = options.save { try model.save(path) }
        if world.isRoot, let path = options.saveWeights { try model.saveWeights(path) }
        if world.isRoot, let path = options.weightsOut {
            let flat = model.getWeights().flatMap { $0.values }
            try DataFiles.write(Tensor(flat), to: path)
        }
        if let test, let labels = test.y {
            // Keras: model.evaluate(test_x, test_y) — one Keras line on rank 0.
            _ = try model.evaluate(
                x: test.x, y: labels, batchSize: batchSize, verbose: options.verbose == 0 ? 0 : 2,
                communicator: world)
        }
        let inputs: any Samples = test?.x ?? x
        let predictions = try model.predict(
            x: inputs, batchSize: batchSize, verbose: 0, communicator: world)
        guard world.isRoot else { return }
        if let path = options.predictionsOut { try DataFiles.write(predictions, to: path) }
        if let labels = test?.y, labels.rows == predictions.rows,
            labels.rowWidth == 1 || labels.rowWidth == predictions.rowWidth
        {
            model.output(Report.classification(predictions: predictions, labels: labels))
        }
    }
}

extension Job {
    /// The callbacks the flags ask for.
    func callbacks(rank: Int) -> [any Callback] {
        let monitor = options.validationSplit > 0 ? "val_loss" : "loss"
        var callbacks: [any Callback] = []
        if let directory = options.checkpointDir {
            callbacks.append(
                BackupAndRestore(
                    directory: directory, saveEverySteps: options.checkpointEvery,
                    deleteCheckpoint: false, resume: options.resume))
        }
        if let patience = options.earlyStoppingPatience {
            callbacks.append(
                EarlyStopping(monitor: monitor, patience: patience, restoreBestWeights: true))
        }
        if let patience = options.reduceLrPatience {
            callbacks.append(ReduceLROnPlateau(monitor: monitor, factor: 0.5, patience: patience))
        }
        if let path = options.csvLog { callbacks.append(CSVLogger(path)) }
        return callbacks + FaultInjection.callbacks(for: model, rank: rank)
    }
}

/// Writes `History` as Keras's `history.history` dictionary in JSON, or (for a `.csv` path)
/// with CSVLogger's columns: `epoch`, then the keys in sorted order.
enum HistoryFile {
    static func write(_ history: History, to path: String) throws {
        let data: Data
        if path.lowercased().hasSuffix(".csv") {
            let keys = history.history.keys.sorted()
            var text = (["epoch"] + keys).joined(separator: ",") + "\r\n"
            for (row, epoch) in history.epoch.enumerated() {
                // A resumed run's History can hold a key with fewer values than epochs.
                let values = keys.map { key in
                    history.history[key].flatMap { row < $0.count ? "\($0[row])" : nil } ?? ""
                }
                text += ([String(epoch)] + values).joined(separator: ",") + "\r\n"
            }
            data = Data(text.utf8)
        } else {
            data = try JSONSerialization.data(
                withJSONObject: history.history, options: [.sortedKeys, .prettyPrinted])
        }
        try DataFiles.writeAtomically(data, to: path)
    }
}
