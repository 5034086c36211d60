import Foundation
import NN
import TestSupport
import Testing

/// N ranks under real `mpirun` give the single-process result: the same History, predictions
/// and printed log (one copy), for awkward batch and rank counts.
@Suite(.serialized) struct DistributedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let ranks: Int
        let samples: Int
        let batch: Int
        let flags: [String]
        var testDescription: String {
            "\(ranks) ranks, \(samples) samples, batch \(batch) \(flags.joined(separator: " "))"
        }
    }

    static let cases: [Case] = [
        Case(
            ranks: 1, samples: 37, batch: 8,
            flags: ["--optimizer", "adam", "--learning-rate", "0.01"]),
        Case(
            ranks: 2, samples: 37, batch: 8,
            flags: ["--optimizer", "adam", "--learning-rate", "0.01"]),
        Case(
            ranks: 3, samples: 37, batch: 8,
            flags: [
                "--optimizer", "sgd", "--learning-rate", "0.05", "--momentum", "0.9",
                "--no-shuffle",
            ]),
        Case(
            ranks: 4, samples: 37, batch: 8,
            flags: [
                "--optimizer", "sgd", "--learning-rate", "0.05", "--momentum", "0.9", "--nesterov",
            ]),
        // A global batch smaller than the rank count: some ranks hold no rows in a step.
        Case(
            ranks: 4, samples: 23, batch: 3,
            flags: ["--optimizer", "adam", "--learning-rate", "0.01", "--no-shuffle"]),
        Case(
            ranks: 3, samples: 23, batch: 2,
            flags: ["--optimizer", "adam", "--validation-split", "0.2"]),
        // A batch beyond the data is all of it (the arithmetic once overflowed); a metric named
        // twice is logged twice, the second as `accuracy_1`, as Keras does.
        Case(
            ranks: 2, samples: 23, batch: Int.max,
            flags: [
                "--optimizer", "adam", "--learning-rate", "0.01", "--metrics", "accuracy,accuracy",
            ]),
    ]

    @Test(arguments: cases)
    func ranksMatchSingleProcess(_ c: Case) throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: c.samples, in: folder)
        func arguments(_ tag: String) -> [String] {
            [
                "--x", data.x, "--y", data.y, "--layers", "6:tanh:l2=0.01,5:relu,3:softmax",
                "--batch-size", String(c.batch), "--epochs", "3", "--seed", "11", "--verbose", "2",
                "--history-out", folder.appendingPathComponent("\(tag).json").path,
                "--predictions-out", folder.appendingPathComponent("\(tag).npy").path,
            ] + c.flags
        }
        let single = try Runner.single(arguments("single"))
        #expect(single.status == 0, "\(single.stderr)")
        let parallel = try Runner.mpi(c.ranks, arguments("mpi"))
        #expect(parallel.status == 0, "\(parallel.stderr)")

        let expected = try Runner.history(folder.appendingPathComponent("single.json").path)
        let actual = try Runner.history(folder.appendingPathComponent("mpi.json").path)
        #expect(Set(actual.keys) == Set(expected.keys))
        if c.flags.contains("accuracy,accuracy") {
            #expect(Set(expected.keys) == ["loss", "accuracy", "accuracy_1"])
            #expect(expected["accuracy"] == expected["accuracy_1"])
        }
        for (key, values) in expected {
            #expect(actual[key]?.count == values.count, "history[\(key)]")
            for (a, e) in zip(actual[key] ?? [], values) { expectClose(a, e, "history[\(key)]") }
        }
        let p1 = try NumpyFile.read(folder.appendingPathComponent("single.npy").path)
        let pN = try NumpyFile.read(folder.appendingPathComponent("mpi.npy").path)
        #expect(p1.shape == pN.shape)
        expectClose(pN.scalars, p1.scalars, "predictions")

        let singleLines = Runner.logLines(single.stdout),
            parallelLines = Runner.logLines(parallel.stdout)
        #expect(parallelLines.count == singleLines.count, "exactly one copy of the log")
        #expect(parallel.stdout.components(separatedBy: "Epoch 1/3").count == 2)
        for (a, b) in zip(singleLines, parallelLines) { expectSameLogLine(a, b) }
    }

    /// `mpirun -n 4 nntrain` on the built-in example prints the single-process log.
    @Test func builtInExampleMatchesWithFourRanks() throws {
        let single = try Runner.single(["--epochs", "4"])
        let parallel = try Runner.mpi(4, ["--epochs", "4"])
        #expect(single.status == 0 && parallel.status == 0, "\(parallel.stderr)")
        let a = Runner.logLines(single.stdout), b = Runner.logLines(parallel.stdout)
        // 4 × (Epoch line, epoch log) and the test evaluation
        #expect(a.count == 9 && b.count == 9)
        for (x, y) in zip(a, b) { expectSameLogLine(x, y) }
        #expect(parallel.stdout.contains("Test accuracy:"))
        #expect(parallel.stdout.components(separatedBy: "Confusion matrix").count == 2)
    }

    @Test func differentDataOnOneRankIsRefused() throws {
        let folder = try Runner.scratch()
        let a = try Runner.writeDataset(samples: 20, in: folder, seed: 1)
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let b = try Runner.writeDataset(samples: 20, in: other, seed: 2)
        let common = ["--layers", "3:softmax", "--epochs", "1", "--verbose", "0"]
        let result = try Runner.mpiPair(
            ["--x", a.x, "--y", a.y] + common, ["--x", b.x, "--y", b.y] + common)
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("error: rank 1 has different training data"), "\(result.stderr)")
    }

    @Test func differentConfigurationOnOneRankIsRefused() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "1", "--verbose",
            "0",
        ]
        let result = try Runner.mpiPair(common, common + ["--seed", "5"])
        #expect(result.status != 0)
        #expect(
            Self.errorLines(result) == [
                "error: rank 1 was given another command or other flags than rank 0; give every "
                    + "rank the same ones"
            ], "\(result.stderr)")
    }

    @Test(arguments: ["error", "kill"])
    func failingRankEndsTheJob(_ kind: String) throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 200, in: folder)
        let result = try Runner.mpi(
            3,
            [
                "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "50",
                "--batch-size", "4", "--verbose", "0",
            ],
            environment: ["NNTRAIN_TEST_FAULT": "1:5:\(kind)"])
        #expect(result.status != 0)
        if kind == "error" {
            #expect(
                result.stderr.contains("error: rank 1: injected test fault at step 5"),
                "\(result.stderr)")
        }
    }

    static func errorLines(_ result: Runner.Result) -> [Substring] {
        result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
    }

    /// Test data or data to predict from that differs between ranks (a file that is not the
    /// same on every host) is refused in one line: each rank's rows would join the others'
    /// (once a trap on rank 0 when the row counts differed).
    @Test func differentTestOrPredictDataIsRefused() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder, seed: 1)
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let test = try Runner.writeDataset(samples: 12, in: other, seed: 2)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "1", "--verbose",
            "0",
        ]
        let evaluated = try Runner.mpiPair(
            common + ["--test-x", data.x, "--test-y", data.y],
            common + ["--test-x", test.x, "--test-y", test.y])
        #expect(evaluated.status == 1)
        #expect(
            Self.errorLines(evaluated).count == 1
                && evaluated.stderr.contains("error: rank 1 has different data to evaluate"),
            "\(evaluated.stderr)")
        let model = folder.appendingPathComponent("m.keras").path
        let saved = try Runner.single(common + ["--save", model])
        #expect(saved.status == 0, "\(saved.stderr)")
        let predicted = try Runner.mpiPair(
            ["predict", "--model", model, "--x", data.x],
            ["predict", "--model", model, "--x", test.x])
        #expect(predicted.status == 1)
        #expect(
            Self.errorLines(predicted).count == 1
                && predicted.stderr.contains("error: rank 1 has different data to predict from"),
            "\(predicted.stderr)")
    }

    /// Flags that would send the ranks to different collectives (a callback or a checkpoint on
    /// one rank only, another command), or that one rank cannot parse, end the job in one line
    /// instead of a hang.
    @Test func ranksGivenOtherFlagsStopInOneLine() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "3", "--verbose",
            "0",
        ]
        let model = folder.appendingPathComponent("m.keras").path
        let saved = try Runner.single(common + ["--save", model])
        #expect(saved.status == 0, "\(saved.stderr)")
        let differing: [([String], [String], String)] = [
            (
                common + ["--early-stopping-patience", "1"], common,
                "error: rank 1 was given another command or other flags than rank 0; give every "
                    + "rank the same ones"
            ),
            (
                common, common + ["--checkpoint-dir", folder.appendingPathComponent("c").path],
                "error: rank 1 was given another command or other flags than rank 0; give every "
                    + "rank the same ones"
            ),
            (
                common, ["predict", "--model", model, "--x", data.x],
                "error: rank 1 was given another command or other flags than rank 0; give every "
                    + "rank the same ones"
            ),
            (
                common, common + ["--epochs", "two"],
                "error: rank 1: The value 'two' is invalid for '--epochs <n>'"
            ),
        ]
        for (first, second, line) in differing {
            let result = try Runner.mpiPair(first, second)
            #expect(result.status != 0)
            #expect(Self.errorLines(result) == [Substring(line)], "\(result.stderr)")
        }
    }

    /// `--help` under mpirun prints the help once, and every rank ends; `--help` on one rank
    /// only is a difference in flags, in one line.
    @Test func helpUnderMPIPrintsOnce() throws {
        let result = try Runner.mpi(2, ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "USAGE:").count == 2, "\(result.stdout)")
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "1", "--verbose",
            "0",
        ]
        for (first, second) in [(common + ["--help"], common), (common, common + ["--help"])] {
            let mixed = try Runner.mpiPair(first, second)
            #expect(mixed.status != 0)
            #expect(
                Self.errorLines(mixed) == [
                    "error: rank 1 was given another command or other flags than rank 0; give "
                        + "every rank the same ones"
                ], "\(mixed.stderr)")
        }
    }

    /// Checkpoints of two runs that stopped at the same step (started from other weights) are
    /// refused on resume: the ranks would part ways, and save at different steps.
    @Test func checkpointsOfOtherRunsAreRefusedOnResume() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--verbose", "0", "--seed", "1",
        ]
        var starts: [String] = [], checkpoints: [String] = []
        for seed in ["1", "2"] {
            let start = folder.appendingPathComponent("start\(seed).weights.h5").path
            let made = try Runner.single(
                [
                    "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--verbose", "0",
                    "--seed",
                    seed, "--epochs", "0", "--save-weights", start,
                ])
            #expect(made.status == 0, "\(made.stderr)")
            let checkpoint = folder.appendingPathComponent("ck\(seed)").path
            let trained = try Runner.single(
                common + [
                    "--initial-weights", start, "--epochs", "2", "--checkpoint-dir", checkpoint,
                ])
            #expect(trained.status == 0, "\(trained.stderr)")
            starts.append(start)
            checkpoints.append(checkpoint)
        }
        let result = try Runner.mpiPair(
            common + [
                "--initial-weights", starts[0], "--epochs", "2", "--checkpoint-dir", checkpoints[0],
                "--resume",
            ],
            common + [
                "--initial-weights", starts[1], "--epochs", "2", "--checkpoint-dir", checkpoints[1],
                "--resume",
            ])
        #expect(result.status == 1)
        #expect(
            Self.errorLines(result) == [
                "error: rank 1 resumed from a checkpoint of another run than rank 0's (other weights "
                    + "or order at the same step); give every rank the same checkpoint folder"
            ], "\(result.stderr)")
    }

    /// Weights files whose optimizer states differ between hosts: the weights are broadcast,
    /// the states are not, so training refuses to start.
    @Test func differentOptimizerStatesAreRefused() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--verbose", "0",
        ]
        let one = folder.appendingPathComponent("one.weights.h5").path
        let two = folder.appendingPathComponent("two.weights.h5").path
        _ = try Runner.single(common + ["--epochs", "1", "--save-weights", one])
        _ = try Runner.single(common + ["--epochs", "2", "--save-weights", two])
        let result = try Runner.mpiPair(
            common + ["--initial-weights", one], common + ["--initial-weights", two])
        #expect(result.status == 1)
        #expect(
            Self.errorLines(result) == [
                "error: rank 1 starts with a different optimizer state (step count or moments) than "
                    + "rank 0; give every rank the same weights file"
            ], "\(result.stderr)")
    }

    /// A mistake every rank makes (a flag that fits no data) is one line, as alone; one rank's
    /// own failure (a checkpoint only its host has broken) is one line naming that rank.
    @Test func errorOfTheGroupIsOneLine() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let common = [
            "--x", data.x, "--y", data.y, "--layers", "3:softmax", "--epochs", "1", "--verbose",
            "0",
        ]
        let everyRank = try Runner.mpi(2, common + ["--validation-split", "0.99"])
        #expect(everyRank.status == 1)
        #expect(
            Self.errorLines(everyRank) == [
                "error: validation_split=0.99 leaves no samples for training or validation out of 20."
            ], "\(everyRank.stderr)")
        let good = folder.appendingPathComponent("good").path
        let bad = folder.appendingPathComponent("bad").path
        _ = try Runner.single(common + ["--checkpoint-dir", good])
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        let saved = try FileManager.default.contentsOfDirectory(atPath: good)
        #expect(!saved.isEmpty)
        for name in saved {
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: bad + "/" + name))
        }
        let oneRank = try Runner.mpiPair(
            common + ["--checkpoint-dir", good, "--resume"],
            common + ["--checkpoint-dir", bad, "--resume"])
        #expect(oneRank.status == 1)
        let lines = Self.errorLines(oneRank)
        #expect(lines.count == 1 && lines[0].hasPrefix("error: rank 1: "), "\(oneRank.stderr)")
    }

    @Test func missingFileOnEveryRankGivesOneErrorLine() throws {
        let result = try Runner.mpi(3, ["--x", "/nonexistent/x.npy", "--y", "/nonexistent/y.npy"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines == ["error: /nonexistent/x.npy: no such file"], "\(result.stderr)")
    }

    /// Printed values agree to the last digit, or differ by one unit in it (a different
    /// summation order may cross a rounding boundary).
    func expectSameLogLine(
        _ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let numbers = #/-?\d+\.\d+(e[-+]\d+)?/#
        let strip = { (s: String) in s.replacing(numbers, with: "#") }
        #expect(strip(a) == strip(b), sourceLocation: sourceLocation)
        let x = a.matches(of: numbers).map { String($0.output.0) }
        let y = b.matches(of: numbers).map { String($0.output.0) }
        #expect(x.count == y.count, sourceLocation: sourceLocation)
        for (u, v) in zip(x, y) where u != v {
            let unit = pow(
                10, -Double(u.split(separator: ".").last?.prefix(while: \.isNumber).count ?? 4))
            let close = abs((Double(u) ?? 0) - (Double(v) ?? 0)) <= unit * 1.0001
            #expect(close, "\(a) vs \(b)", sourceLocation: sourceLocation)
        }
    }
}
