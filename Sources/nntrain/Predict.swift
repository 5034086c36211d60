import ArgumentParser
import Foundation
import NN
import NNMPI
import NNSaving

/// `nntrain predict`: inference alone, with a Keras model file. Runs under mpirun too (each
/// rank predicts a block of rows; rank 0 gathers and writes them).
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Predict with a saved model: nntrain predict --model m.keras --x new.npy --predictions-out p.csv"
    )

    @Option(
        help: ArgumentHelp(
            "The model: a .keras file. Keras: keras.saving.load_model(path).", valueName: "path"))
    var model: String

    @Option(
        help: ArgumentHelp(
            "Samples to predict, shape (samples, features): .npy or .csv.", valueName: "path"))
    var x: String

    @Option(
        help: ArgumentHelp(
            "Write the predictions to this .csv or .npy file (default: print them as CSV).",
            valueName: "path"))
    var predictionsOut: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Samples per batch. Keras: predict(batch_size=…). Default: 32.", valueName: "n"))
    var batchSize: Int = 32

    mutating func validate() throws {
        guard batchSize > 0 else {
            throw ValidationError(
                "Invalid value for argument `batch_size`. Expected a positive integer. Received: batch_size=\(batchSize)"
            )
        }
        if let path = predictionsOut, !DataFiles.supportsWriting(to: path) {
            throw ValidationError(
                "--predictions-out writes a .npy or .csv file: give a path ending in .npy or .csv. Received: \(path)"
            )
        }
    }

    func run() throws { predict() }

    /// Loads on every rank, predicts a block of rows on each, and writes from rank 0; ends the
    /// process (errors as in training: one line, no rank left waiting).
    func predict() -> Never {
        let ((loaded, samples), world) = Launch.prepareOnEveryRank(
            agreeing:
                "predict batch-size=\(batchSize) predictions-out=\(predictionsOut == nil ? "-" : "given")"
        ) {
            () throws -> (Sequential, Tensor) in
            // A .json config has no weights: its predictions would come from random ones.
            guard model.hasSuffix(".keras") else {
                throw ModelError.file(
                    path: model, problem: "predict needs a .keras file, which holds the weights")
            }
            let loaded = try Sequential.load(model)
            let samples = try DataFiles.read(x)
            try loaded.validate(x: samples, y: nil)
            return (loaded, samples)
        }
        Launch.finish(world) {
            let predictions = try loaded.predict(
                x: samples, batchSize: batchSize, verbose: 0, communicator: world)
            guard world.isRoot else { return }
            if let path = predictionsOut {
                try DataFiles.write(predictions, to: path)
            } else {
                var text = ""
                for row in 0..<predictions.rows {
                    text += predictions.row(row).map { "\($0)" }.joined(separator: ",") + "\n"
                }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
