import Foundation
import NN
import TestSupport
import Testing

@testable import NNSaving

/// Keras 3's own files, written by real Keras (`Tests/Fixtures/generate_keras_files.py`), load
/// with their weights, compile settings and optimizer state, and predict what Keras predicted;
/// files nntrain writes have Keras's layout and load back unchanged.
@Suite struct KerasFileTests {
    struct File: Decodable { let files: [String: Entry] }
    struct Variable: Decodable, Sendable {
        let name: String
        let shape: [Int]
        let data: [Float]
    }
    struct Entry: Decodable, Sendable {
        let predict_x: TensorFixture?
        let predict_y: TensorFixture?
        let weights: [TensorFixture]
        let optimizer_variables: [Variable]?
        let to_json: String?
    }

    static let folder = packageRoot.appendingPathComponent("Tests/NNTests/Fixtures/keras_files")
    static let fixtures = (try? loadFixture(File.self, "keras_files/keras_files.json").files) ?? [:]
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    @Test(arguments: [
        "notes_adam.keras", "activation_sgd.keras", "mse_rmsprop.keras", "uncompiled.keras",
    ])
    func kerasArchiveLoadsAndPredictsLikeKeras(_ name: String) throws {
        let keras = try #require(Self.fixtures[name])
        let model = try loadModel(Self.path(name))
        #expect(model.getWeights().map(\.scalars) == keras.weights.map(\.data))
        #expect(model.getWeights().map(\.shape) == keras.weights.map(\.shape))
        if let x = keras.predict_x, let y = keras.predict_y {
            let predictions = try model.predict(x: x.tensor, verbose: 0)
            expectClose(predictions.scalars, y.data, "\(name) predictions")
        }
        guard let variables = keras.optimizer_variables, !variables.isEmpty else {
            if name == "uncompiled.keras" { #expect(!model.isCompiled) }
            return
        }
        // Iteration, learning rate, then the slots in Keras's order: compare them flattened.
        #expect(model.optimizer.iterations == Int(variables[0].data[0]))
        #expect(model.optimizer.learningRate == variables[1].data[0])
        let ours = try Self.kerasOrderedSlots(model)
        #expect(ours == variables.dropFirst(2).map(\.data))
    }

    /// Our optimizer state cut into Keras's per-variable slot arrays, in Keras's order.
    static func kerasOrderedSlots(_ model: Sequential) throws -> [[Float]] {
        let state = model.optimizer.exportState()
        var result: [[Float]] = []
        for group in KerasOptimizers.layout(model.optimizer, state) {
            for slot in model.weightSlots {
                for array in group { result.append(Array(state.variables[array][slot.range])) }
            }
        }
        return result
    }

    @Test func compileSettingsComeFromTheArchive() throws {
        let notes = try loadModel(Self.path("notes_adam.keras"))
        #expect(notes.optimizer is Adam && notes.loss?.name == "sparse_categorical_crossentropy")
        #expect(notes.metricNames == ["accuracy"])
        #expect((notes.layers[1] as? Dense)?.kernelRegularizer == .l2(0.01))
        let sgd = try loadModel(Self.path("activation_sgd.keras"))
        let optimizer = try #require(sgd.optimizer as? SGD)
        #expect(optimizer.momentum == 0.9 && optimizer.nesterov)
        #expect(sgd.layers.map(\.className) == ["Dense", "Activation", "Dense", "Activation"])
        #expect(try loadModel(Self.path("uncompiled.keras")).isCompiled == false)
    }

    @Test func standaloneWeightsFileLoads() throws {
        let keras = try #require(Self.fixtures["notes.weights.h5"])
        let model = try loadModel(Self.path("notes_adam.keras"))
        try model.setWeights(
            model.getWeights().map {
                Tensor(shape: $0.shape, scalars: Array(repeating: 0, count: $0.count))
            })
        try model.loadWeights(Self.path("notes.weights.h5"))
        #expect(model.getWeights().map(\.scalars) == keras.weights.map(\.data))
    }

    @Test func kerasToJSONTextBuildsTheModel() throws {
        let keras = try #require(Self.fixtures["notes_adam.keras"]?.to_json)
        let model = try Sequential.fromJSON(keras)
        #expect(model.layers.count == 3 && model.inputShape == [1] && model.isCompiled)
        #expect(model.parameterCount == 642)
    }

    /// What Keras refuses, or what would change the numbers, is refused rather than dropped:
    /// `loss_weights`, `weighted_metrics`, an InputLayer after the first place, two layers of
    /// one name, SGD momentum outside [0, 1].
    @Test func configsKerasRefusesAreRefused() throws {
        let keras = try #require(Self.fixtures["notes_adam.keras"]?.to_json)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(keras.utf8)) as? [String: Any])
        #expect(try Sequential.fromJSON(keras).isCompiled)
        func variant(_ change: (inout [String: Any]) -> Void) throws -> String {
            var copy = json
            change(&copy)
            return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
        }
        func compile(_ key: String, _ value: Any) throws -> String {
            try variant { top in
                var compile = top["compile_config"] as? [String: Any] ?? [:]
                compile[key] = value
                top["compile_config"] = compile
            }
        }
        func layers(_ change: @escaping (inout [[String: Any]]) -> Void) throws -> String {
            try variant { top in
                var config = top["config"] as? [String: Any] ?? [:]
                var list = config["layers"] as? [[String: Any]] ?? []
                change(&list)
                config["layers"] = list
                top["config"] = config
            }
        }
        var sgd = (json["compile_config"] as? [String: Any])?["optimizer"] as? [String: Any] ?? [:]
        sgd["class_name"] = "SGD"
        var sgdConfig = sgd["config"] as? [String: Any] ?? [:]
        sgdConfig["momentum"] = 1.5
        sgd["config"] = sgdConfig
        let refused = [
            try compile("loss_weights", 2.0), try compile("weighted_metrics", ["accuracy"]),
            try compile("optimizer", sgd),
            try layers { list in list.append(list[0]) },
            try layers { list in
                var renamed = list[list.count - 1]
                var config = renamed["config"] as? [String: Any] ?? [:]
                config["name"] = (list[1]["config"] as? [String: Any])?["name"]
                renamed["config"] = config
                list[list.count - 1] = renamed
            },
        ]
        for text in refused {
            #expect(throws: ModelError.self) { try Sequential.fromJSON(text) }
        }
        #expect(try Sequential.fromJSON(compile("weighted_metrics", [String]())).isCompiled)
    }

    /// Keras reads floats where it expects them: whole numbers are written with their point
    /// (Keras refuses an SGD momentum of `0`), and the InputLayer takes a name no layer has.
    @Test func writtenConfigsKeepFloatsAndUniqueNames() throws {
        let model = Sequential([Dense(2, inputShape: [3], name: "input_layer")])
        try model.compile(optimizer: SGD(learningRate: 1), loss: "mse")
        let text = try model.toJSON()
        #expect(
            text.contains("\"learning_rate\": 1.0") && text.contains("\"momentum\": 0.0"), "\(text)"
        )
        #expect(text.contains("\"name\": \"input_layer_1\""), "\(text)")
        let back = try Sequential.fromJSON(text)
        #expect(back.layers.map(\.name) == ["input_layer"])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["class_name"] as? String == "Sequential")
    }

    /// Save, load: the same weights, optimizer state, compile settings and predictions.
    @Test func nntrainArchiveRoundTrips() throws {
        let model = Sequential([
            Dense(
                8, inputShape: [3], activation: "relu", kernelRegularizer: .l1L2(l1: 0.01, l2: 0.02)
            ),
            Activation("tanh"), Dense(2, activation: "softmax", useBias: false),
        ])
        try model.compile(
            optimizer: Adam(learningRate: 0.01, amsgrad: true), loss: "categorical_crossentropy",
            metrics: ["accuracy", "auc"])
        let x = Tensor(shape: [12, 3], scalars: (0..<36).map { Float($0 % 7) / 7 })
        let y = Tensor(shape: [12, 2], scalars: (0..<24).map { Float(($0 / 2 + $0) % 2) })
        try model.fit(x: x, y: y, batchSize: 4, epochs: 2, verbose: 0)
        let path = scratchPath("m.keras")
        try model.save(path)
        let loaded = try loadModel(path)
        #expect(loaded.getWeights() == model.getWeights())
        #expect(loaded.optimizer.exportState() == model.optimizer.exportState())
        #expect(
            loaded.metricNames == ["accuracy", "auc"]
                && loaded.loss?.name == "categorical_crossentropy")
        #expect(try loaded.predict(x: x, verbose: 0) == model.predict(x: x, verbose: 0))
        // Training continues identically from the restored state.
        try model.fit(x: x, y: y, batchSize: 4, epochs: 1, shuffle: false, verbose: 0)
        try loaded.fit(x: x, y: y, batchSize: 4, epochs: 1, shuffle: false, verbose: 0)
        #expect(loaded.getWeights() == model.getWeights())
        #expect(try Sequential.fromJSON(model.toJSON()).parameterCount == model.parameterCount)
    }

    /// The layout Keras reads: groups named by class, datasets with Keras's shapes and types.
    @Test func writtenWeightsHaveKerasLayout() throws {
        let model = try loadModel(Self.path("activation_sgd.keras"))
        let path = scratchPath("w.weights.h5")
        try model.saveWeights(path)
        try hdf5Lock.withLock { _ in
            let file = try HDF5File.open(path)
            #expect(try file.members(of: "/") == ["layers", "optimizer", "vars"])
            #expect(
                try file.members(of: "layers") == [
                    "activation", "activation_1", "dense", "dense_1",
                ])
            #expect(try file.members(of: "layers/activation/vars") == [])
            #expect(try file.shape(of: "layers/dense/vars/0") == [3, 5])
            #expect(try file.shape(of: "layers/dense_1/vars/1") == [3])
            #expect(try file.shape(of: "optimizer/vars/0") == [])
            #expect(try file.readInt("optimizer/vars/0") == model.optimizer.iterations)
            #expect(try file.members(of: "optimizer/vars").count == 6)
        }
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable (String) throws -> Void
        let problem: String
        var testDescription: String { name }
    }

    static let badFiles: [Bad] = [
        Bad(
            name: "not a zip", make: { try Data("hello".utf8).write(to: URL(fileURLWithPath: $0)) },
            problem: "not a Keras .keras file (not a readable zip archive)"),
        Bad(
            name: "truncated archive",
            make: { path in
                let data = try Data(
                    contentsOf: URL(fileURLWithPath: KerasFileTests.path("notes_adam.keras")))
                try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
            }, problem: "not a Keras .keras file (not a readable zip archive)"),
        Bad(
            name: "missing weights",
            make: { path in
                try KerasFiles.writeArchive([("metadata.json", Data("{}".utf8))], to: path)
            }, problem: "not a Keras .keras file (no config.json inside)"),
        Bad(
            name: "unsupported layer",
            make: { path in
                let config =
                    #"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {}}]}}"#
                try KerasFiles.writeArchive(
                    [("config.json", Data(config.utf8)), ("model.weights.h5", Data())], to: path)
            },
            problem:
                "layer 1: layer class 'Conv2D' is not supported; nntrain reads InputLayer, Dense and Activation layers"
        ),
        Bad(
            name: "unknown field",
            make: { path in
                let config =
                    #"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 2, "flux": 1}}]}}"#
                try KerasFiles.writeArchive(
                    [("config.json", Data(config.utf8)), ("model.weights.h5", Data())], to: path)
            },
            problem:
                "layer 1 'config': unknown field 'flux' (a newer Keras, or an option nntrain does not support)"
        ),
        Bad(
            name: "corrupt weights",
            make: { path in
                let config = try String(
                    contentsOfFile: KerasFileTests.path("notes_adam.keras") + ".config.json",
                    encoding: .utf8)
                try KerasFiles.writeArchive(
                    [("config.json", Data(config.utf8)), ("model.weights.h5", Data("nope".utf8))],
                    to: path)
            }, problem: "not a readable HDF5 file (truncated or corrupt?)"),
    ]

    @Test(arguments: badFiles)
    func badFileGivesOneSentence(_ bad: Bad) throws {
        let path = scratchPath("bad.keras")
        try bad.make(path)
        do {
            _ = try loadModel(path)
            Issue.record("\(bad.name) loaded")
        } catch let error as ModelError {
            let text = "\(error)"
            #expect(text.hasSuffix(bad.problem), "\(text)")
        }
    }

    /// Weights saved with one optimizer load into a model compiled with another: the weights
    /// arrive, the other optimizer's state is skipped, as Keras skips it (with a warning).
    @Test func optimizerStateOfAnotherOptimizerIsSkipped() throws {
        func model(_ optimizer: any Optimizer) throws -> Sequential {
            let m = Sequential([Dense(3, inputShape: [2], activation: "softmax")])
            try m.compile(optimizer: optimizer, loss: "sparse_categorical_crossentropy")
            return m
        }
        let x = Tensor(shape: [6, 2], scalars: (0..<12).map { Float($0 % 5) / 5 })
        let y = Tensor((0..<6).map { Float($0 % 3) })
        let trained = try model(Adam())
        try trained.fit(x: x, y: y, batchSize: 2, epochs: 1, verbose: 0)
        let path = scratchPath("adam.weights.h5")
        try trained.saveWeights(path)
        let other = try model(SGD(momentum: 0.9))
        try other.fit(x: x, y: y, batchSize: 2, epochs: 1, verbose: 0)
        let before = other.optimizer.exportState()
        #expect(before.iterations == 3)
        try other.loadWeights(path)
        #expect(other.getWeights() == trained.getWeights())
        // Its own state stays as it was.
        #expect(other.optimizer.exportState() == before)
        // The same optimizer takes the state.
        let same = try model(Adam())
        try same.loadWeights(path)
        #expect(same.optimizer.exportState() == trained.optimizer.exportState())
    }

    /// A problem inside an archive's weights names the archive the user gave, not the
    /// temporary file it was unpacked to; saving an unbuilt model writes no weights.
    @Test func archiveProblemsNameTheArchive() throws {
        let small = Sequential([Dense(2, inputShape: [3])])
        try small.compile(loss: "mse")
        let path = scratchPath("small.keras")
        try small.save(path)
        let other = Sequential([Dense(4, inputShape: [3])])
        try other.compile(loss: "mse")
        let error = #expect(throws: ModelError.self) { try other.loadWeights(path) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix(path + " (model.weights.h5): "), "\(text)")
        let missing = scratchPath("no-such-folder") + "/m.keras"
        let saveError = #expect(throws: ModelError.self) { try small.save(missing) }
        #expect(saveError.map { "\($0)".hasPrefix(missing + ": ") } == true)
        let unbuilt = Sequential([Dense(2)])
        try unbuilt.compile(loss: "mse")
        try unbuilt.saveWeights(scratchPath("unbuilt.weights.h5"))
    }

    @Test func weightsOfAnotherShapeAreNamed() throws {
        let model = Sequential([Dense(4, inputShape: [1]), Dense(32), Dense(2)])
        try model.build(inputShape: [1])
        // The layer's own name depends on how many Dense layers the process has made.
        let error = #expect(throws: ModelError.self) {
            try model.loadWeights(Self.path("notes.weights.h5"))
        }
        #expect(error.map { "\($0)".contains("has shape (1, 16)") } == true)
    }
}
