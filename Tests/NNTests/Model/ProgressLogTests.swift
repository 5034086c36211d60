import Foundation
import TestSupport
import Testing

@testable import NN

/// The printed log against text captured from Keras 3 (`keras_logs.json`), timings aside.
@Suite struct ProgressLogTests {
    struct LogFile: Decodable {
        let fit_verbose2_epochs3: String
        let fit_verbose2_epochs1: String
        let evaluate_verbose2: String
        let predict_verbose2: String
        let fit_verbose1_tty: String
        let summary_notes: String
        let summary_notes_after_fit: String
        let summary_activation_layers: String
    }

    static let keras = try? loadFixture(LogFile.self, "keras_logs.json")

    /// Replaces the elapsed seconds and time per step, which differ from run to run.
    static func withoutTimings(_ text: String) -> String {
        text.replacingOccurrences(
            of: #" - \d+s - \d+(s|ms|us)/step"#, with: " - Ts - T/step", options: .regularExpression
        )
        .replacingOccurrences(
            of: #"\d+s\u001b\[0m \d+(s|ms|us)/step"#, with: "Ts\u{1b}[0m T/step",
            options: .regularExpression)
    }

    /// The notes' model from the first fixture trajectory, printing into `captured`.
    static func notesModel(capturing captured: @escaping (String) -> Void) throws -> (
        Sequential, Trajectory
    ) {
        let keras = try #require(
            KerasFixtures.trajectories.first { $0.name == "notes_sigmoid_sparse" })
        let model = try keras.makeModel()
        model.output = captured
        return (model, keras)
    }

    @Test func fitVerbose2MatchesKeras() throws {
        let keras = try #require(Self.keras)
        nonisolated(unsafe) var text = ""
        let (model, data) = try Self.notesModel { text += $0 }
        try model.fit(
            x: data.x.tensor, y: data.y.tensor, batchSize: 10, epochs: 3, shuffle: false, verbose: 2
        )
        #expect(Self.withoutTimings(text) == Self.withoutTimings(keras.fit_verbose2_epochs3))
    }

    @Test func singleEpochHasNoEpochLine() throws {
        let keras = try #require(Self.keras)
        nonisolated(unsafe) var text = ""
        let (model, data) = try Self.notesModel { text += $0 }
        try model.fit(
            x: data.x.tensor, y: data.y.tensor, batchSize: 10, epochs: 1, shuffle: false, verbose: 2
        )
        #expect(Self.withoutTimings(text) == Self.withoutTimings(keras.fit_verbose2_epochs1))
    }

    @Test func evaluateAndPredictVerbose2MatchKeras() throws {
        let keras = try #require(Self.keras)
        nonisolated(unsafe) var text = ""
        let (model, data) = try Self.notesModel { text += $0 }
        try model.fit(
            x: data.x.tensor, y: data.y.tensor, batchSize: 10, epochs: 3, shuffle: false, verbose: 0
        )
        _ = try model.evaluate(x: data.x.tensor, y: data.y.tensor, batchSize: 10, verbose: 2)
        #expect(Self.withoutTimings(text) == Self.withoutTimings(keras.evaluate_verbose2))
        text = ""
        _ = try model.predict(x: data.x.tensor, batchSize: 10, verbose: 2)
        #expect(Self.withoutTimings(text) == Self.withoutTimings(keras.predict_verbose2))
    }

    /// On a terminal, the final frame of the bar is Keras's (bold count, 20 green cells, elapsed
    /// seconds, time per step, logs).
    @Test func terminalBarFinalFrameMatchesKeras() throws {
        let keras = try #require(Self.keras)
        nonisolated(unsafe) var text = ""
        var log = ProgressLog(verbose: 1, target: 5, terminal: true) { text += $0 }
        log.finish(logs: [("accuracy", 0.47999998927116394), ("loss", 0.902876615524292)])
        let ours = text.split(separator: "\r").last.map(String.init) ?? ""
        let firstEpoch = keras.fit_verbose1_tty.components(separatedBy: "Epoch 2/")[0]
        let theirs = firstEpoch.split(separator: "\r").last.map(String.init) ?? ""
        let trim = { (s: String) in
            Self.withoutTimings(s).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(trim(ours) == trim(theirs))
        #expect(ours.hasSuffix("\n"))
    }

    @Test(arguments: [
        (0.041, " 41ms/step"), (4.1e-5, " 41us/step"), (2.0, " 2s/step"), (0.0, " 0s/step"),
        (0.9996, " 1000ms/step"),
    ])
    func stepTimeUsesKerasUnits(_ seconds: Double, _ text: String) {
        #expect(ProgressLog.formatStepTime(seconds) == text)
    }

    @Test func smallValuesUseExponentFormat() {
        #expect(ProgressLog.format(0.5748, absolute: false) == "0.5748")
        #expect(ProgressLog.format(0.0005, absolute: false) == "5.0000e-04")
        #expect(ProgressLog.format(0.001, absolute: false) == "1.0000e-03")
        // The bar compares magnitudes, the final line signed values, as Keras does.
        #expect(ProgressLog.format(-0.5, absolute: true) == "-0.5000")
        #expect(ProgressLog.format(-0.5, absolute: false) == "-5.0000e-01")
    }

    /// (No `build` first: the first layer declares its input shape, so the model is built, as
    /// Keras builds it when it is made.)
    @Test func summaryMatchesKeras() throws {
        let keras = try #require(Self.keras)
        let model = Sequential(
            [
                Dense(16, inputShape: [1], activation: "relu", name: "dense"),
                Dense(32, activation: "relu", kernelRegularizer: .l2(0.01), name: "dense_1"),
                Dense(2, activation: "sigmoid", name: "dense_2"),
            ], name: "sequential")
        #expect(model.summaryText() == keras.summary_notes)
        let layers = Sequential(
            [
                Dense(5, inputShape: [3], name: "dense"), Activation("relu", name: "activation"),
                Dense(3, name: "dense_1"), Activation("softmax", name: "activation_1"),
            ], name: "sequential")
        #expect(layers.summaryText() == keras.summary_activation_layers)
    }

    @Test func summaryAfterFitCountsAdamState() throws {
        let keras = try #require(Self.keras)
        let model = Sequential(
            [
                Dense(16, inputShape: [1], activation: "relu", name: "dense"),
                Dense(32, activation: "relu", name: "dense_1"),
                Dense(2, activation: "sigmoid", name: "dense_2"),
            ], name: "sequential")
        try model.compile(
            optimizer: Adam(learningRate: 1e-4), loss: "sparse_categorical_crossentropy")
        try model.fit(x: Tensor([[0.1], [0.9]]), y: Tensor([0, 1]), verbose: 0)
        #expect(model.summaryText() == keras.summary_notes_after_fit)
    }
}
