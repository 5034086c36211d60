import Foundation
import NN
import TestSupport
import Testing

/// Each optimizer, clipping mode and learning-rate schedule trains like Keras 3.
@Suite struct CatalogueOptimizerTests {
    @Test func everyOptimizerIsCovered() {
        let names = Set(KerasFixtures.optimizers.map(\.optimizer.name))
        #expect(names == Set(Optimizers.names))
        #expect(KerasFixtures.optimizers.count >= 17)
    }

    @Test(arguments: KerasFixtures.optimizers)
    func trainsLikeKeras(_ keras: Trajectory) throws {
        let model = try keras.makeModel()
        let history = try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size,
            epochs: keras.epochs, shuffle: false, verbose: 0)
        try TrajectoryTests.compare(model, history, with: keras)
    }
}

/// Validation data, class and sample weights, the initial epoch and the callbacks, against the
/// History, weights and logs Keras 3 produced.
@Suite struct CatalogueTrainingTests {
    static func keras(_ name: String) throws -> Trajectory {
        try #require(KerasFixtures.training.first { $0.name == name })
    }

    static func fit(
        _ keras: Trajectory, callbacks: [any Callback] = [], log: ((String) -> Void)? = nil
    ) throws -> (Sequential, History) {
        let model = try keras.makeModel()
        if let log { model.output = log }
        let validation = keras.validation_x.map { ($0.tensor, keras.validation_y!.tensor) }
        let classWeight = keras.class_weight.map {
            Dictionary(uniqueKeysWithValues: $0.map { (Int($0.key)!, $0.value) })
        }
        let history = try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size,
            epochs: keras.epochs, shuffle: false, verbose: log == nil ? 0 : 2,
            callbacks: callbacks, validationData: validation, classWeight: classWeight,
            sampleWeight: keras.sample_weight?.tensor, initialEpoch: keras.initial_epoch ?? 0)
        return (model, history)
    }

    @Test(arguments: ["validation_data", "class_weight", "sample_weight", "initial_epoch"])
    func featureMatchesKeras(_ name: String) throws {
        let keras = try Self.keras(name)
        let (model, history) = try Self.fit(keras)
        try TrajectoryTests.compare(model, history, with: keras)
    }

    /// The printed log, with `val_` keys and the initial epoch's numbering.
    @Test(arguments: ["validation_data", "initial_epoch", "reduce_lr"])
    func logMatchesKeras(_ name: String) throws {
        let keras = try Self.keras(name)
        nonisolated(unsafe) var text = ""
        let callbacks: [any Callback] = name == "reduce_lr" ? [Self.reduceLR()] : []
        _ = try Self.fit(keras, callbacks: callbacks) { text += $0 }
        let strip = { (s: String) in
            s.replacingOccurrences(
                of: #" - \d+s - \d+(s|ms|us)/step"#, with: "", options: .regularExpression)
        }
        #expect(strip(text) == strip(keras.log_text ?? ""))
    }

    static func reduceLR() -> ReduceLROnPlateau {
        ReduceLROnPlateau(
            monitor: "loss", factor: 0.5, patience: 1, minDelta: 0.05, minLearningRate: 0.001)
    }

    /// Keras's case trains Adam at lr 0.3, where float32 rounding (summation order) grows
    /// step by step (1e-5 after the first five steps): values agree to 1e-4. The decisions (when to
    /// stop, which epoch to restore) must be Keras's exactly.
    @Test func earlyStoppingStopsAndRestoresLikeKeras() throws {
        let keras = try Self.keras("early_stopping")
        let stopper = EarlyStopping(
            monitor: "loss", minDelta: 0.01, patience: 1, restoreBestWeights: true)
        nonisolated(unsafe) var snapshots: [[Tensor]] = []
        let model = try keras.makeModel()
        let recorder = LambdaCallback(onEpochEnd: { _, _ in snapshots.append(model.getWeights()) })
        let history = try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size, epochs: keras.epochs,
            shuffle: false, verbose: 0, callbacks: [recorder, stopper])
        #expect(stopper.stoppedEpoch == keras.stopped_epoch)
        #expect(stopper.bestEpoch == keras.best_epoch)
        #expect(history.history["loss"]?.count == keras.history["loss"]?.count)
        let expected = try #require(keras.epoch_end_weights)
        #expect(snapshots.count == expected.count)
        for (epoch, (ours, theirs)) in zip(snapshots, expected).enumerated() {
            #expect(ours.count == theirs.count)
            for (a, b) in zip(ours, theirs) {
                expectClose(a.scalars, b.data, relative: 1e-4, "epoch \(epoch) weights")
            }
        }
        for (key, values) in keras.history {
            #expect(history.history[key]?.count == values.count, "\(key)")
            for (a, e) in zip(history.history[key] ?? [], values) {
                expectClose(a, e, relative: 1e-4, key)
            }
        }
        // Restored: the best epoch's weights, exactly as they were at its end.
        let best = try #require(keras.best_epoch)
        try #require(snapshots.indices.contains(best))
        #expect(model.getWeights().count == snapshots[best].count)
        #expect(model.getWeights().count == keras.final_weights.count)
        for (restored, snapshot) in zip(model.getWeights(), snapshots[best]) {
            #expect(restored.scalars == snapshot.scalars)
        }
        for (a, b) in zip(model.getWeights(), keras.final_weights) {
            expectClose(a.scalars, b.data, relative: 1e-4, "restored weights")
        }
    }

    @Test func reduceLROnPlateauLogsAndLowersTheRate() throws {
        let keras = try Self.keras("reduce_lr")
        let (model, history) = try Self.fit(keras, callbacks: [Self.reduceLR()])
        try TrajectoryTests.compare(model, history, with: keras)
    }

    @Test func csvLoggerWritesKerasColumns() throws {
        let keras = try Self.keras("csv_logger")
        let path = scratchPath("log.csv")
        let model = try keras.makeModel()
        try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size, epochs: keras.epochs,
            shuffle: false, verbose: 0, callbacks: [CSVLogger(path)], validationSplit: 0.2)
        let ours = try String(contentsOfFile: path, encoding: .utf8)
        let theirs = try #require(keras.csv_text)
        let rows = { (text: String) in text.components(separatedBy: "\r\n").filter { !$0.isEmpty } }
        #expect(rows(ours).first == rows(theirs).first)
        #expect(rows(ours).count == rows(theirs).count)
        for (a, b) in zip(rows(ours).dropFirst(), rows(theirs).dropFirst()) {
            let x = a.split(separator: ",").compactMap { Double($0) }
            let y = b.split(separator: ",").compactMap { Double($0) }
            #expect(x.count == y.count)
            for (u, v) in zip(x, y) { expectClose(u, v, "csv \(a)") }
        }
    }

    @Test func terminateOnNaNStopsMidEpoch() throws {
        let keras = try Self.keras("terminate_on_nan")
        nonisolated(unsafe) var text = ""
        let model = try keras.makeModel()
        model.output = { text += $0 }
        let history = try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: keras.batch_size, epochs: keras.epochs,
            shuffle: false, verbose: 0, callbacks: [TerminateOnNaN()])
        #expect(text == keras.stdout)
        #expect(history.history["loss"]?.count == keras.history["loss"]?.count)
        #expect(history.history["loss"]?.last?.isFinite == false)
    }

    @Test func lambdaCallbackSeesEveryHook() throws {
        let keras = try Self.keras("validation_data")
        nonisolated(unsafe) var events: [String] = []
        let callback = LambdaCallback(
            onEpochBegin: { events.append("begin \($0)") },
            onEpochEnd: { epoch, logs in events.append("end \(epoch) \(logs.keys.sorted())") },
            onTrainBegin: { events.append("train") }, onTrainEnd: { events.append("done") },
            onTrainBatchEnd: { batch, _ in if batch == 0 { events.append("batch") } })
        let model = try keras.makeModel()
        try model.fit(
            x: keras.x.tensor, y: keras.y.tensor, batchSize: 7, epochs: 1, verbose: 0,
            callbacks: [callback])
        #expect(events == ["train", "begin 0", "batch", "end 0 [\"accuracy\", \"loss\"]", "done"])
    }
}
