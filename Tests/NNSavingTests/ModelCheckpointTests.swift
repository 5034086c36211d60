import Foundation
import NN
import NNSaving
import Testing
import TestSupport

/// ModelCheckpoint writes loadable files per epoch, or only when the monitored value improves.
@Suite struct ModelCheckpointTests {
    static func model() throws -> Sequential {
        let m = Sequential([
            Dense(4, inputShape: [2], activation: "relu"), Dense(2, activation: "softmax"),
        ])
        m.seed = 3
        try m.compile(
            optimizer: Adam(learningRate: 0.05), loss: "sparse_categorical_crossentropy",
            metrics: ["accuracy"])
        return m
    }

    static let x = Tensor(shape: [16, 2], scalars: (0..<32).map { Float(($0 * 5) % 7) / 7 })
    static let y = Tensor((0..<16).map { Float($0 % 2) })

    @Test func savesEveryEpochWithItsNumber() throws {
        let folder = scratchPath("mc")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = try Self.model()
        try model.fit(
            x: Self.x, y: Self.y, batchSize: 4, epochs: 3, verbose: 0,
            callbacks: [ModelCheckpoint(filepath: folder + "/m-{epoch}.keras")])
        for epoch in 1...3 {
            #expect(FileManager.default.fileExists(atPath: folder + "/m-\(epoch).keras"))
        }
        #expect(try loadModel(folder + "/m-3.keras").getWeights() == model.getWeights())
    }

    /// Fields as Python's `str.format` fills them: `{epoch:02d}`, `{loss:.2f}`; an unknown key
    /// is refused, as Keras refuses it.
    @Test func filepathFieldsTakePythonFormats() throws {
        let folder = scratchPath("mcf")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = try Self.model()
        let history = try model.fit(
            x: Self.x, y: Self.y, batchSize: 4, epochs: 2, verbose: 0,
            callbacks: [
                ModelCheckpoint(
                    filepath: folder + "/m-{epoch:02d}-{loss:.2f}-{accuracy}.weights.h5",
                    saveWeightsOnly: true)
            ])
        for epoch in 1...2 {
            let loss = try #require(history.history["loss"]?[epoch - 1])
            let accuracy = try #require(history.history["accuracy"]?[epoch - 1])
            let name = String(format: "/m-%02d-%.2f-", epoch, loss) + "\(accuracy).weights.h5"
            #expect(FileManager.default.fileExists(atPath: folder + name), "\(name)")
        }
        for bad in ["/m-{val_los}.keras", "/m-{loss:.2}.keras", "/m-{loss:02d}.keras"] {
            #expect(throws: ModelError.self, "\(bad)") {
                try Self.model().fit(
                    x: Self.x, y: Self.y, batchSize: 4, verbose: 0,
                    callbacks: [ModelCheckpoint(filepath: folder + bad)])
            }
        }
        // Widths pad as Python does: spaces, or zeros after the sign.
        let padded = try Self.model()
        let last = try padded.fit(
            x: Self.x, y: Self.y, batchSize: 4, verbose: 0,
            callbacks: [
                ModelCheckpoint(filepath: folder + "/p-{epoch:3}-{loss:09.3f}.keras")
            ]
        ).history["loss"]?.last
        let loss = try #require(last)
        let name = "/p-  1-" + String(format: "%09.3f", loss) + ".keras"
        #expect(FileManager.default.fileExists(atPath: folder + name), "\(name)")
    }

    /// With save_best_only the file holds the weights of the best epoch, as Keras keeps them.
    @Test func bestOnlyKeepsTheBestEpochsWeights() throws {
        let path = scratchPath("best.weights.h5")
        let model = try Self.model()
        nonisolated(unsafe) var snapshots: [(loss: Double, weights: [Tensor])] = []
        let recorder = LambdaCallback(onEpochEnd: { _, logs in
            snapshots.append((logs["loss"]!, model.getWeights()))
        })
        try model.fit(
            x: Self.x, y: Self.y, batchSize: 4, epochs: 6, verbose: 0,
            callbacks: [
                recorder,
                ModelCheckpoint(
                    filepath: path, monitor: "loss", saveBestOnly: true, saveWeightsOnly: true),
            ])
        let best = try #require(snapshots.min { $0.loss < $1.loss })
        let reloaded = try Self.model()
        try reloaded.build(inputShape: [2])
        try reloaded.loadWeights(path)
        #expect(reloaded.getWeights() == best.weights)
    }

    @Test func wrongExtensionIsRefused() throws {
        let model = try Self.model()
        #expect(throws: ModelError.self) {
            try model.fit(
                x: Self.x, y: Self.y, verbose: 0, callbacks: [ModelCheckpoint(filepath: "m.h5")])
        }
    }
}
