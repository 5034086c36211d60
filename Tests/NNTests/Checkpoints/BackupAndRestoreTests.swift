import Foundation
import NN
import TestSupport
import Testing

/// A run interrupted at any step and resumed from its checkpoint ends exactly where an
/// uninterrupted run ends: the same weights and History, bit for bit.
@Suite struct BackupAndRestoreTests {
    struct Crash: Error {}

    static func model() throws -> Sequential {
        let m = Sequential([
            Dense(6, inputShape: [3], activation: "tanh", kernelRegularizer: .l2(0.01)),
            Dense(3, activation: "softmax"),
        ])
        m.seed = 5
        try m.compile(
            optimizer: Adam(learningRate: 0.02), loss: "sparse_categorical_crossentropy",
            metrics: ["accuracy"])
        return m
    }

    static let x = Tensor(
        shape: [23, 3], scalars: (0..<69).map { Float(($0 * 37) % 19) / 19 - 0.5 })
    static let y = Tensor((0..<23).map { Float(($0 * 7) % 3) })

    /// Trains 4 epochs of 5 steps, crashing after optimizer step `crashAt` (if any), and counts
    /// the steps this call took.
    static func train(backup: BackupAndRestore?, crashAt: Int? = nil) throws -> (
        Sequential, History, steps: Int
    ) {
        let m = try model()
        var steps = 0
        m.onTrainBatchEnd = { [unowned m] _, _ in
            steps += 1
            if m.optimizer.iterations == crashAt { throw Crash() }
        }
        let history = try m.fit(
            x: x, y: y, batchSize: 5, epochs: 4, shuffle: true, verbose: 0,
            callbacks: backup.map { [$0] } ?? [], validationSplit: 0)
        return (m, history, steps)
    }

    @Test(arguments: [3, 5, 7, 11, 15, 19])
    func resumedRunMatchesUninterrupted(_ crashAt: Int) throws {
        let (reference, referenceHistory, _) = try Self.train(backup: nil)
        let directory = scratchPath("ckpt")
        let backup = BackupAndRestore(directory: directory, saveEverySteps: 2)
        #expect(throws: Crash.self) { try Self.train(backup: backup, crashAt: crashAt) }
        #expect(FileManager.default.fileExists(atPath: backup.path))
        let (resumed, history, steps) = try Self.train(backup: backup)
        // It went on from the checkpoint (saved within the last 2 steps before the crash), not
        // from the start: of the 20 steps, the ones after it.
        #expect((20 - crashAt)...(22 - crashAt) ~= steps, "\(steps) steps after resuming")
        #expect(resumed.getWeights() == reference.getWeights())
        #expect(history.history == referenceHistory.history)
        #expect(history.epoch == referenceHistory.epoch)
        #expect(resumed.optimizer.iterations == reference.optimizer.iterations)
        // Completed: the checkpoint is deleted, as Keras's BackupAndRestore does by default.
        #expect(!FileManager.default.fileExists(atPath: backup.path))
    }

    @Test func checkpointOfAnotherConfigurationIsRefused() throws {
        let directory = scratchPath("ckpt")
        let backup = BackupAndRestore(directory: directory, deleteCheckpoint: false)
        _ = try Self.train(backup: backup)
        let other = try Self.model()
        other.optimizer.learningRate = 0.5
        #expect(throws: ModelError.self) {
            try other.fit(
                x: Self.x, y: Self.y, batchSize: 5, epochs: 4, verbose: 0, callbacks: [backup])
        }
    }

    @Test(arguments: [
        ("truncated", 10), ("garbage", 0),
    ])
    func corruptCheckpointIsNamed(_ kind: String, _ keep: Int) throws {
        let directory = scratchPath("ckpt")
        let backup = BackupAndRestore(directory: directory, deleteCheckpoint: false)
        _ = try Self.train(backup: backup)
        let data = try Data(contentsOf: URL(fileURLWithPath: backup.path))
        let broken = kind == "truncated" ? data.prefix(data.count - keep) : Data("junk".utf8)
        try broken.write(to: URL(fileURLWithPath: backup.path))
        do {
            _ = try Self.train(backup: backup)
            Issue.record("a corrupt checkpoint was accepted")
        } catch let error as ModelError {
            #expect("\(error)".hasPrefix(backup.path + ": "))
        }
    }

    @Test func nonFiniteLossStopsAtItsStep() throws {
        let m = Sequential([Dense(1, inputShape: [3])])
        try m.compile(optimizer: SGD(learningRate: 1e12), loss: "mse")
        m.failOnNonFiniteLoss = true
        #expect(throws: ModelError.nonFiniteLoss(epoch: 1, step: 3)) {
            try m.fit(
                x: Self.x, y: Tensor(shape: [23, 1], scalars: Array(repeating: 1, count: 23)),
                batchSize: 2, epochs: 3, verbose: 0)
        }
    }
}
