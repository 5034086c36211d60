import Foundation
import ArgumentParser
import NN

/// The command-line flags: `fit` and `compile` arguments in kebab case, taking Keras strings.
struct Options: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Training samples, shape (samples, features): .npy (float32/float64/int32/int64) or numeric .csv (optional header). Keras: fit(x=…). Without --x and --y, nntrain trains the built-in drug side-effect example.",
            valueName: "path"))
    var x: String?

    @Option(
        help: ArgumentHelp(
            "Training targets: class labels (samples,) or one-hot/real values (samples, outputs), .npy or .csv. Keras: fit(y=…).",
            valueName: "path"))
    var y: String?

    @Option(
        help: ArgumentHelp(
            "A model defined (and compiled) in Keras: a .keras file (with its weights and optimizer state) or a model.to_json() .json config. Flags such as --loss and --optimizer override its compile settings. Keras: keras.saving.load_model(path).",
            valueName: "path"))
    var model: String?

    @Option(
        help: ArgumentHelp(
            "Start from these weights (a .weights.h5 or .keras file). Keras: model.load_weights(path).",
            valueName: "path"))
    var initialWeights: String?

    @Option(
        help: ArgumentHelp(
            "After training, save the model (config, compile settings, weights, optimizer state) as a Keras .keras file. Keras: model.save(path).",
            valueName: "path"))
    var save: String?

    @Option(
        help: ArgumentHelp(
            "After training, save the weights as Keras's .weights.h5. Keras: model.save_weights(path).",
            valueName: "path"))
    var saveWeights: String?

    @Option(
        help: ArgumentHelp(
            "Dense layers as units:activation[:l1=F][:l2=F], comma-separated; the input size comes from the data. Keras: Dense(units, activation=…, kernel_regularizer=l2(F)). Activations: \(ActivationFunction.names.joined(separator: ", ")). Default: 16:relu,32:relu:l2=0.01,2:sigmoid (the notes' model).",
            valueName: "spec"))
    var layers: String?

    @Option(
        help: ArgumentHelp(
            "Loss name. Keras: compile(loss=…). One of: \(Losses.names.joined(separator: ", ")) (aliases such as mse accepted). Default: the --model file's, else sparse_categorical_crossentropy.",
            valueName: "name"))
    var loss: String?

    @Option(
        help: ArgumentHelp(
            "Optimizer name. Keras: compile(optimizer=…). One of: \(Optimizers.names.joined(separator: ", ")). Default: the --model file's, else adam.",
            valueName: "name"))
    var optimizer: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Learning rate. Keras: Adam(learning_rate=…). Default: the optimizer's Keras default (adam 0.001, sgd 0.01, rmsprop 0.001); the built-in example uses 0.0001.",
            valueName: "rate"))
    var learningRate: Float?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("SGD momentum. Keras: SGD(momentum=…). Default: 0.", valueName: "value"))
    var momentum: Float = 0

    @Flag(help: "Use Nesterov momentum with SGD. Keras: SGD(nesterov=True).")
    var nesterov = false

    @Option(
        help: ArgumentHelp(
            "Metrics, comma-separated; empty for none. Keras: compile(metrics=[…]). One of: \(Metrics.names.joined(separator: ", ")). Default: the --model file's, else accuracy.",
            valueName: "names"))
    var metrics: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Global batch size, split over the MPI ranks. Keras: fit(batch_size=…). Default: 32; the built-in example uses 10.",
            valueName: "n"))
    var batchSize: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Passes over the training data. Keras: fit(epochs=…). Default: 1; the built-in example uses 20.",
            valueName: "n"))
    var epochs: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Reshuffle the samples before each epoch. Keras: fit(shuffle=…). Default: on.")
    var shuffle = true

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Seed for initial weights and shuffling; all ranks share it. Default: 0.",
            valueName: "n"))
    var seed: UInt64 = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "0 silent, 1 progress bar on a terminal, 2 one line per epoch. Keras: fit(verbose=…). Default: 2.",
            valueName: "level"))
    var verbose: Int = 2

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Fraction of the training data, taken from the end before shuffling, used for val_ metrics. Keras: fit(validation_split=…). Default: 0.",
            valueName: "fraction"))
    var validationSplit: Double = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Stop when the monitored loss (val_loss with --validation-split, else loss) has not improved for this many epochs, and restore the best weights. Keras: EarlyStopping(patience=…, restore_best_weights=True).",
            valueName: "epochs"))
    var earlyStoppingPatience: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Halve the learning rate when the monitored loss has not improved for this many epochs. Keras: ReduceLROnPlateau(factor=0.5, patience=…).",
            valueName: "epochs"))
    var reduceLrPatience: Int?

    @Option(
        help: ArgumentHelp(
            "Write each epoch's logs to this CSV file. Keras: CSVLogger(filename).",
            valueName: "path"))
    var csvLog: String?

    @Option(
        help: ArgumentHelp(
            "Draw the loss and metric curves per epoch (training solid, validation dashed) into this .svg chart.",
            valueName: "path"))
    var plot: String?

    @Option(
        help: ArgumentHelp(
            "Save weights, optimizer state, position and History to DIR/checkpoint.nntrain at every epoch end (atomically). Keras: BackupAndRestore(backup_dir=…).",
            valueName: "dir"))
    var checkpointDir: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Also checkpoint every N steps (with --checkpoint-dir). Keras: BackupAndRestore(save_freq=N).",
            valueName: "steps"))
    var checkpointEvery: Int?

    @Flag(
        help:
            "Continue from the checkpoint in --checkpoint-dir (bit-for-bit the run that was interrupted). Without it an existing checkpoint is replaced."
    )
    var resume = false

    @Option(
        help: ArgumentHelp(
            "Write the trained weights, all of them in Keras's get_weights() order, flattened into one float32 .npy or .csv.",
            valueName: "path"))
    var weightsOut: String?

    @Option(
        help: ArgumentHelp(
            "Test samples, evaluated and predicted after training (.npy or .csv).",
            valueName: "path"))
    var testX: String?

    @Option(
        help: ArgumentHelp(
            "Test targets, for the test loss, metrics and confusion matrix.", valueName: "path"))
    var testY: String?

    @Option(
        help: ArgumentHelp(
            "Write the predictions for the test samples (--test-x, or the built-in example's test set; otherwise the training samples) to this .csv or .npy file.",
            valueName: "path"))
    var predictionsOut: String?

    @Option(
        help: ArgumentHelp(
            "Write the History dictionary (per-epoch logs) to this .json file, or to a .csv file with Keras CSVLogger's columns.",
            valueName: "path"))
    var historyOut: String?

    mutating func validate() throws {
        guard (x == nil) == (y == nil) else {
            throw ValidationError(
                "--x and --y go together: give both, or neither for the built-in example.")
        }
        guard testY == nil || testX != nil else {
            throw ValidationError("--test-y needs --test-x.")
        }
        if let batchSize, batchSize <= 0 {
            throw ValidationError(
                "Invalid value for argument `batch_size`. Expected a positive integer. Received: batch_size=\(batchSize)"
            )
        }
        if let epochs, epochs < 0 {
            throw ValidationError(
                "Invalid value for argument `epochs`. Expected a non-negative integer. Received: epochs=\(epochs)"
            )
        }
        guard (0...2).contains(verbose) else {
            throw ValidationError(
                "Invalid value for argument `verbose`. Expected 0, 1 or 2. Received: verbose=\(verbose)"
            )
        }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw ValidationError(
                "Invalid value for argument `validation_split`. Expected a number in [0, 1). Received: validation_split=\(validationSplit)"
            )
        }
        for (name, value) in [
            ("early_stopping_patience", earlyStoppingPatience),
            ("reduce_lr_patience", reduceLrPatience),
        ] {
            if let value, value < 0 {
                throw ValidationError(
                    "Invalid value for argument `\(name)`. Expected a non-negative integer. Received: \(name)=\(value)"
                )
            }
        }
        if let learningRate, !(learningRate > 0) || !learningRate.isFinite {
            throw ValidationError(
                "Invalid value for argument `learning_rate`. Expected a positive number. Received: learning_rate=\(learningRate)"
            )
        }
        if let problem = checkNames() { throw ValidationError(problem.description) }
        if let plot, (plot as NSString).pathExtension.lowercased() != "svg" {
            throw ValidationError(
                "--plot writes an SVG chart: give a path ending in .svg. Received: \(plot)")
        }
        if momentum != 0 || nesterov, (optimizer ?? "adam").lowercased() != "sgd" {
            throw ValidationError("--momentum and --nesterov apply to --optimizer sgd.")
        }
        guard momentum >= 0, momentum <= 1 else {
            throw ValidationError(
                "Invalid value for argument `momentum`. Expected a number in [0, 1]. Received: momentum=\(momentum)"
            )
        }
        if model != nil, layers != nil {
            throw ValidationError("--model and --layers both define the model: give one.")
        }
        if model != nil, x == nil {
            throw ValidationError("--model needs training data: give --x and --y.")
        }
        if let save, !save.hasSuffix(".keras") {
            throw ValidationError(
                "--save writes a Keras model file: give a path ending in .keras. Received: \(save)")
        }
        if let saveWeights, !saveWeights.hasSuffix(".weights.h5") {
            throw ValidationError(
                "--save-weights writes Keras weights: give a path ending in .weights.h5. Received: \(saveWeights)"
            )
        }
        if resume, checkpointDir == nil {
            throw ValidationError("--resume needs --checkpoint-dir.")
        }
        if let checkpointEvery, checkpointEvery <= 0 {
            throw ValidationError(
                "Invalid value for argument `checkpoint_every`. Expected a positive integer. Received: checkpoint_every=\(checkpointEvery)"
            )
        }
        for path in [
            predictionsOut, historyOut, csvLog, weightsOut, checkpointDir, plot, model, save,
            saveWeights, initialWeights,
        ]
        .compactMap({
            $0
        }) where path.isEmpty {
            throw ValidationError("Output paths must not be empty.")
        }
        for (flag, path) in [("--predictions-out", predictionsOut), ("--weights-out", weightsOut)] {
            if let path, !DataFiles.supportsWriting(to: path) {
                throw ValidationError(
                    "\(flag) writes a .npy or .csv file: give a path ending in .npy or .csv. Received: \(path)"
                )
            }
        }
        if checkpointEvery != nil, checkpointDir == nil {
            throw ValidationError("--checkpoint-every needs --checkpoint-dir.")
        }
        // Without --x the built-in example runs on its own test set: --test-x would be ignored.
        if testX != nil, x == nil {
            throw ValidationError("--test-x needs training data: give --x and --y.")
        }
    }

    /// The first unknown layer, loss, optimizer or metric name, with its "Did you mean".
    func checkNames() -> ModelError? {
        do {
            _ = try LayerSpec.parse(layers ?? LayerSpec.notesModel)
            if let loss { _ = try Losses.named(loss) }
            if let optimizer { _ = try Optimizers.named(optimizer) }
            for name in metricNames { try Metrics.validate(name) }
            return nil
        } catch {
            return error
        }
    }

    var metricNames: [String] {
        (metrics ?? "accuracy").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter {
            !$0.isEmpty
        }
    }

    /// Whether nntrain trains the built-in example rather than the user's files.
    var isExample: Bool { x == nil }

    /// What every rank must be given alike, or the ranks would reach different collectives
    /// (a callback or a checkpoint on one rank only): every setting, and for files only whether
    /// one is given (hosts may hold the same data under other paths; the data is compared).
    var agreement: String {
        let files: [(String, String?)] = [
            ("x", x), ("y", y), ("model", model), ("initial-weights", initialWeights),
            ("save", save), ("save-weights", saveWeights), ("csv-log", csvLog), ("plot", plot),
            ("checkpoint-dir", checkpointDir), ("weights-out", weightsOut), ("test-x", testX),
            ("test-y", testY), ("predictions-out", predictionsOut), ("history-out", historyOut),
        ]
        let settings: [(String, String)] = [
            ("layers", layers ?? "-"), ("loss", loss ?? "-"), ("optimizer", optimizer ?? "-"),
            ("learning-rate", learningRate.map { "\($0)" } ?? "-"), ("momentum", "\(momentum)"),
            ("nesterov", "\(nesterov)"), ("metrics", metrics ?? "-"),
            ("batch-size", batchSize.map(String.init) ?? "-"),
            ("epochs", epochs.map(String.init) ?? "-"), ("shuffle", "\(shuffle)"),
            ("seed", "\(seed)"), ("verbose", "\(verbose)"),
            ("validation-split", "\(validationSplit)"),
            ("early-stopping-patience", earlyStoppingPatience.map(String.init) ?? "-"),
            ("reduce-lr-patience", reduceLrPatience.map(String.init) ?? "-"),
            ("checkpoint-every", checkpointEvery.map(String.init) ?? "-"), ("resume", "\(resume)"),
        ]
        return "train "
            + (files.map { "\($0.0)=\($0.1 == nil ? "-" : "given")" }
            + settings.map { "\($0.0)=\($0.1)" }).joined(separator: " ")
    }
}

/// One `--layers` entry: `units:activation[:l1=F][:l2=F]`.
struct LayerSpec: Equatable {
    var units: Int
    var activation: ActivationFunction
    var regularizer: Regularizer?

    /// The notes' model.
    static let notesModel = "16:relu,32:relu:l2=0.01,2:sigmoid"

    static func parse(_ text: String) throws(ModelError) -> [LayerSpec] {
        var specs: [LayerSpec] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard let units = Int(parts[0]), units > 0 else {
                throw .invalidArgument(
                    name: "layers", value: String(entry),
                    expected:
                        "units:activation entries with positive units, such as 16:relu,2:softmax")
            }
            var spec = LayerSpec(units: units, activation: .linear, regularizer: nil)
            if parts.count > 1 { spec.activation = try ActivationFunction.named(parts[1]) }
            for option in parts.dropFirst(2) {
                let pair = option.split(separator: "=", omittingEmptySubsequences: false)
                guard pair.count == 2, let factor = Float(pair[1]), factor >= 0, factor.isFinite,
                    pair[0] == "l1" || pair[0] == "l2"
                else {
                    throw .invalidArgument(
                        name: "layers", value: String(entry),
                        expected:
                            "regularizers written l1=F or l2=F with F ≥ 0, such as 32:relu:l2=0.01")
                }
                var regularizer = spec.regularizer ?? Regularizer()
                if pair[0] == "l1" { regularizer.l1 = factor } else { regularizer.l2 = factor }
                spec.regularizer = regularizer
            }
            specs.append(spec)
        }
        return specs
    }
}
