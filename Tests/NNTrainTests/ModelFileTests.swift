import Foundation
import NN
import TestSupport
import Testing

/// The trainer with Keras files: a model defined in Keras trains here, saves, and predicts with
/// `nntrain predict`, alone or under mpirun.
@Suite(.serialized) struct ModelFileTests {
    static let keras = packageRoot.appendingPathComponent("Tests/NNTests/Fixtures/keras_files")

    static func data(_ folder: URL, features: Int, samples: Int = 30) throws -> (
        x: String, y: String
    ) {
        var generator = SeededGenerator(seed: 9)
        let x = (0..<(samples * features)).map { _ in generator.nextUnitFloat() }
        let y = (0..<samples).map { Float($0 % 2) }
        let paths = (
            folder.appendingPathComponent("x.npy").path, folder.appendingPathComponent("y.npy").path
        )
        try NumpyFile.write(Tensor(shape: [samples, features], scalars: x), to: paths.0)
        try NumpyFile.write(Tensor(y), to: paths.1)
        return paths
    }

    @Test func kerasModelTrainsSavesAndPredicts() throws {
        let folder = try Runner.scratch()
        let data = try Self.data(folder, features: 1)
        let saved = folder.appendingPathComponent("trained.keras").path
        let history = folder.appendingPathComponent("h.csv").path
        let train = try Runner.single([
            "--model", Self.keras.appendingPathComponent("notes_adam.keras").path, "--x", data.x,
            "--y", data.y,
            "--epochs", "2", "--batch-size", "8", "--verbose", "2", "--save", saved,
            "--save-weights", folder.appendingPathComponent("w.weights.h5").path,
            "--predictions-out", folder.appendingPathComponent("p.npy").path, "--history-out",
            history,
        ])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("Epoch 2/2"))
        let csv = try String(contentsOfFile: history, encoding: .utf8)
        #expect(csv.hasPrefix("epoch,accuracy,loss\r\n0,"))
        let single = try Runner.single([
            "predict", "--model", saved, "--x", data.x,
            "--predictions-out", folder.appendingPathComponent("p1.npy").path,
        ])
        #expect(single.status == 0, "\(single.stderr)")
        let parallel = try Runner.mpi(
            3,
            [
                "predict", "--model", saved, "--x", data.x,
                "--predictions-out", folder.appendingPathComponent("p3.npy").path,
            ])
        #expect(parallel.status == 0, "\(parallel.stderr)")
        let trained = try NumpyFile.read(folder.appendingPathComponent("p.npy").path)
        let p1 = try NumpyFile.read(folder.appendingPathComponent("p1.npy").path)
        let p3 = try NumpyFile.read(folder.appendingPathComponent("p3.npy").path)
        #expect(p1 == trained)
        #expect(p3 == p1)
    }

    @Test func flagsOverrideTheFilesCompileSettings() throws {
        let folder = try Runner.scratch()
        let data = try Self.data(folder, features: 1)
        let saved = folder.appendingPathComponent("sgd.keras").path
        let result = try Runner.single([
            "--model", Self.keras.appendingPathComponent("notes_adam.keras").path, "--x", data.x,
            "--y", data.y,
            "--optimizer", "sgd", "--learning-rate", "0.05", "--metrics",
            "accuracy,sparse_top_k_categorical_accuracy", "--verbose", "0",
            "--save", saved,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let zip = try Data(contentsOf: URL(fileURLWithPath: saved))
        let text = String(decoding: zip, as: UTF8.self)
        #expect(text.contains("\"class_name\": \"SGD\""))
        #expect(
            text.contains("\"metrics\": [\"accuracy\", \"sparse_top_k_categorical_accuracy\"]"))
    }

    @Test func jsonConfigDefinesTheModel() throws {
        let folder = try Runner.scratch()
        let data = try Self.data(folder, features: 1)
        let result = try Runner.single([
            "--model", Self.keras.appendingPathComponent("notes_adam.keras.config.json").path,
            "--x", data.x, "--y", data.y, "--epochs", "1", "--batch-size", "8", "--verbose", "2",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4/4 - "))
    }

    @Test(arguments: [
        (["--model", "/nope.keras"], "error: /nope.keras: no such file"),
        (["--model", "BAD"], "error: BAD: not a Keras .keras file (not a readable zip archive)"),
    ])
    func badModelFileGivesOneLine(_ flags: [String], _ message: String) throws {
        let folder = try Runner.scratch()
        let data = try Self.data(folder, features: 1)
        let bad = folder.appendingPathComponent("bad.keras").path
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: bad))
        let out = folder.appendingPathComponent("p.csv").path
        let arguments =
            flags.map { $0 == "BAD" ? bad : $0 } + [
                "--x", data.x, "--y", data.y, "--predictions-out", out,
            ]
        let result = try Runner.single(arguments)
        #expect(result.status == 1)
        #expect(
            result.stderr.trimmingCharacters(in: .newlines)
                == message.replacingOccurrences(of: "BAD", with: bad))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
