import Foundation
import NN
import TestSupport
import Testing

/// Faults under the real trainer: killed ranks end the job, interrupted runs resume bit for
/// bit, diverging replicas are caught.
@Suite(.serialized) struct ReliabilityTests {
    static func arguments(_ data: (x: String, y: String), _ folder: URL, _ tag: String) -> [String]
    {
        [
            "--x", data.x, "--y", data.y, "--layers", "8:relu:l2=0.01,3:softmax", "--batch-size",
            "6",
            "--epochs", "4", "--learning-rate", "0.01", "--verbose", "0", "--seed", "3",
            "--weights-out", folder.appendingPathComponent("\(tag).npy").path,
            "--history-out", folder.appendingPathComponent("\(tag).json").path,
        ]
    }

    static func bytes(_ folder: URL, _ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// Kill the trainer at several steps (7 steps per epoch, checkpoints every 4 steps and at
    /// epoch ends), resume, and compare with a run never interrupted: identical bytes.
    @Test(arguments: [(1, 5), (1, 14), (1, 23), (2, 9), (2, 26)])
    func killedRunResumesBitForBit(_ ranks: Int, _ killAt: Int) throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let run: ([String], [String: String]) throws -> Runner.Result = { args, env in
            ranks == 1
                ? try Runner.single(args, environment: env)
                : try Runner.mpi(ranks, args, environment: env)
        }
        let reference = try run(Self.arguments(data, folder, "reference"), [:])
        #expect(reference.status == 0, "\(reference.stderr)")
        let checkpoint = [
            "--checkpoint-dir", folder.appendingPathComponent("ckpt").path, "--checkpoint-every",
            "4",
        ]
        let killed = try run(
            Self.arguments(data, folder, "killed") + checkpoint,
            ["NNTRAIN_TEST_FAULT": "\(ranks - 1):\(killAt):kill"])
        #expect(killed.status != 0)
        let saved = try FileManager.default.contentsOfDirectory(
            atPath: folder.appendingPathComponent("ckpt").path)
        #expect(!saved.isEmpty, "a checkpoint survives the kill")
        // A resume that went back to the start would take step 1 again and fail there.
        let resumed = try run(
            Self.arguments(data, folder, "resumed") + checkpoint + ["--resume"],
            ["NNTRAIN_TEST_FAULT": "0:1:error"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.bytes(folder, "resumed.npy") == Self.bytes(folder, "reference.npy"))
        #expect(try Self.bytes(folder, "resumed.json") == Self.bytes(folder, "reference.json"))
    }

    @Test func resumingWithAnotherConfigurationIsRefused() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let checkpoint = ["--checkpoint-dir", folder.appendingPathComponent("ckpt").path]
        _ = try Runner.single(Self.arguments(data, folder, "a") + checkpoint)
        let result = try Runner.single(
            Self.arguments(data, folder, "b") + checkpoint + ["--resume", "--learning-rate", "0.5"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("this checkpoint belongs to a different configuration or data"),
            "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A rank killed at a random step of a random epoch ends the job, several times over.
    @Test(arguments: [(3, 1, 4), (3, 2, 11), (2, 1, 17), (4, 3, 8)])
    func killedRankEndsTheJob(_ ranks: Int, _ rank: Int, _ step: Int) throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let result = try Runner.mpi(
            ranks, Self.arguments(data, folder, "x") + ["--epochs", "40"],
            environment: ["NNTRAIN_TEST_FAULT": "\(rank):\(step):kill"])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("rank \(rank)"), "\(result.stderr)")
    }

    @Test func failingRankIsNamedWithItsStep() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let result = try Runner.mpi(
            3, Self.arguments(data, folder, "x"), environment: ["NNTRAIN_TEST_FAULT": "2:9:error"])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("error: rank 2: injected test fault at step 9"),
            "\(result.stderr)")
    }

    @Test func divergedReplicaIsCaught() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let result = try Runner.mpi(
            2, Self.arguments(data, folder, "x"), environment: ["NNTRAIN_TEST_PERTURB": "1:2"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "error: rank 1's weights diverged from rank 0's after epoch 2; training stopped"),
            "\(result.stderr)")
    }

    /// NaN stops at the step it appears, naming it, and keeps the last good checkpoint: resuming
    /// from it reaches the same step again.
    @Test func nanLossNamesTheStepAndKeepsTheLastCheckpoint() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let args = [
            "--x", data.x, "--y", data.y, "--layers", "1:linear", "--loss", "mse", "--metrics", "",
            "--optimizer", "sgd", "--learning-rate", "1e12", "--batch-size", "6", "--epochs", "3",
            "--verbose", "0", "--checkpoint-dir", folder.appendingPathComponent("ckpt").path,
            "--checkpoint-every", "1",
        ]
        let first = try Runner.single(args)
        #expect(first.status == 1)
        let line = first.stderr.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("error: Loss became NaN or infinite at epoch 1, step "), "\(line)")
        // From the checkpoint, not from the start: step 1 would fail with the injected fault.
        let again = try Runner.single(
            args + ["--resume"], environment: ["NNTRAIN_TEST_FAULT": "0:1:error"])
        #expect(again.stderr.trimmingCharacters(in: .newlines) == line)
    }
}
