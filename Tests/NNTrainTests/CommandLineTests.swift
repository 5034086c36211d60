import Foundation
import NN
import TestSupport
import Testing

/// The trainer's flags and files: bad input gives one `error:` line and the right exit code.
@Suite struct CommandLineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        let status: Int32
        let message: String
        var testDescription: String { name }
    }

    static let folder: URL = {
        let url = (try? Runner.scratch()) ?? FileManager.default.temporaryDirectory
        let files: [(String, String)] = [
            ("x.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n"),
            ("y.csv", "0\n1\n1\n"),
            ("y2.csv", "0\n1\n"),
            ("y_range.csv", "0\n3\n1\n"),
            ("ragged.csv", "1,2,3\n4,5,6\n7,8\n"),
            ("words.csv", "1,2,3\n4,abc,6\n"),
            ("empty.csv", ""),
            ("nan.csv", "1,2,3\n4,nan,6\n7,8,9\n"),
            ("inf.csv", "1,2,3\n4,5,6\ninf,8,9\n"),
            ("huge.csv", "1,2,1e39\n4,5,6\n7,8,9\n"),
            ("header.csv", "a,b,c\n"),
            ("y_fraction.csv", "0\n0.5\n1\n"),
            ("quoted.csv", "\"age, years\",\"dose \"\"mg\"\"\",weight\n1,2,3\n4,5,6\n7,8,9\n"),
            ("x.txt2", "1\n"),
            ("bad.npy", "not numpy at all"),
        ]
        for (name, text) in files {
            try? text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }()

    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    static let cases: [Case] = [
        Case(
            name: "batch size 0", arguments: ["--batch-size", "0"], status: 64,
            message:
                "error: Invalid value for argument `batch_size`. Expected a positive integer. Received: batch_size=0"
        ),
        Case(
            name: "unknown loss", arguments: ["--loss", "msee"], status: 64,
            message: "error: Unknown loss 'msee'. Did you mean 'mse'?"),
        Case(
            name: "unknown optimizer", arguments: ["--optimizer", "sgdd"], status: 64,
            message: "error: Unknown optimizer 'sgdd'. Did you mean 'sgd'?"),
        Case(
            name: "unknown activation", arguments: ["--layers", "4:relux,2:softmax"], status: 64,
            message: "error: Unknown activation 'relux'. Did you mean 'relu'?"),
        Case(
            name: "zero units", arguments: ["--layers", "0:relu"], status: 64,
            message:
                "error: Invalid value for argument `layers`. Expected units:activation entries with positive units, such as 16:relu,2:softmax. Received: layers=0:relu"
        ),
        Case(
            name: "x without y", arguments: ["--x", "x.csv"], status: 64,
            message:
                "error: --x and --y go together: give both, or neither for the built-in example."),
        Case(
            name: "negative epochs", arguments: ["--epochs=-2"], status: 64,
            message:
                "error: Invalid value for argument `epochs`. Expected a non-negative integer. Received: epochs=-2"
        ),
        Case(
            name: "unknown flag", arguments: ["--epoch", "3"], status: 64,
            message: "error: Unknown option '--epoch'. Did you mean '--epochs'?"),
        Case(
            name: "missing file",
            arguments: ["--x", "/nonexistent.npy", "--y", "/nonexistent.npy"], status: 1,
            message: "error: /nonexistent.npy: no such file"),
        Case(
            name: "ragged csv", arguments: ["--x", path("ragged.csv"), "--y", path("y.csv")],
            status: 1,
            message: "error: \(path("ragged.csv")): line 3 has 2 columns, expected 3"),
        Case(
            name: "non-numeric cell", arguments: ["--x", path("words.csv"), "--y", path("y2.csv")],
            status: 1,
            message: "error: \(path("words.csv")): line 2, column 2: 'abc' is not a number"),
        Case(
            name: "empty csv", arguments: ["--x", path("empty.csv"), "--y", path("y.csv")],
            status: 1,
            message: "error: \(path("empty.csv")): no data rows"),
        Case(
            name: "not an npy file", arguments: ["--x", path("bad.npy"), "--y", path("y.csv")],
            status: 1,
            message:
                "error: \(path("bad.npy")): not a NumPy .npy file (the magic string \\x93NUMPY is missing)"
        ),
        Case(
            name: "sample counts differ", arguments: ["--x", path("x.csv"), "--y", path("y2.csv")],
            status: 1,
            message:
                "error: Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. 'x' sizes: 3, 'y' sizes: 2"
        ),
        Case(
            name: "label out of range",
            arguments: ["--x", path("x.csv"), "--y", path("y_range.csv")], status: 1,
            message:
                "error: Received a label value of 3 (sample 1) which is outside the valid range of [0, 2) for an output of 2 units."
        ),
        Case(
            name: "NaN in data", arguments: ["--x", path("nan.csv"), "--y", path("y.csv")],
            status: 1,
            message:
                "error: \(path("nan.csv")): line 2, column 2: 'nan' is not a finite number (NaN, infinity, or beyond float32's range)"
        ),
        Case(
            name: "infinity in data", arguments: ["--x", path("inf.csv"), "--y", path("y.csv")],
            status: 1,
            message:
                "error: \(path("inf.csv")): line 3, column 1: 'inf' is not a finite number (NaN, infinity, or beyond float32's range)"
        ),
        Case(
            name: "value beyond float32",
            arguments: ["--x", path("huge.csv"), "--y", path("y.csv")], status: 1,
            message:
                "error: \(path("huge.csv")): line 1, column 3: '1e39' is not a finite number (NaN, infinity, or beyond float32's range)"
        ),
        Case(
            name: "header only", arguments: ["--x", path("header.csv"), "--y", path("y.csv")],
            status: 1,
            message: "error: \(path("header.csv")): no data rows"),
        Case(
            name: "fractional labels",
            arguments: ["--x", path("x.csv"), "--y", path("y_fraction.csv")], status: 1,
            message:
                "error: Received a label value of 0.5 (sample 1), which is not a class index: labels must be whole numbers in [0, 2)."
        ),
        Case(
            name: "directory as data", arguments: ["--x", folder.path, "--y", path("y.csv")],
            status: 1,
            message: "error: \(folder.path): unsupported file type; use .npy or .csv"),
        Case(
            name: "unsupported extension",
            arguments: ["--x", path("x.txt2"), "--y", path("y.csv")], status: 1,
            message: "error: \(path("x.txt2")): unsupported file type; use .npy or .csv"),
        Case(
            name: "test-y without test-x", arguments: ["--test-y", "y.csv"], status: 64,
            message: "error: --test-y needs --test-x."),
        Case(
            name: "test-x without x", arguments: ["--test-x", "x.csv", "--test-y", "y.csv"],
            status: 64, message: "error: --test-x needs training data: give --x and --y."),
        Case(
            name: "weights-out of another type", arguments: ["--weights-out", "w.txt"],
            status: 64,
            message:
                "error: --weights-out writes a .npy or .csv file: give a path ending in .npy or .csv. Received: w.txt"
        ),
        Case(
            name: "checkpoint-every without a folder", arguments: ["--checkpoint-every", "5"],
            status: 64, message: "error: --checkpoint-every needs --checkpoint-dir."),
        Case(
            name: "validation split 1.5", arguments: ["--validation-split", "1.5"], status: 64,
            message:
                "error: Invalid value for argument `validation_split`. Expected a number in [0, 1). Received: validation_split=1.5"
        ),
        Case(
            name: "verbose 5", arguments: ["--verbose", "5"], status: 64,
            message:
                "error: Invalid value for argument `verbose`. Expected 0, 1 or 2. Received: verbose=5"
        ),
        Case(
            name: "unknown metric", arguments: ["--metrics", "accuracy,precison"], status: 64,
            message: "error: Unknown metric 'precison'. Did you mean 'precision'?"),
        Case(
            name: "metric that needs one-hot targets",
            arguments: ["--x", path("x.csv"), "--y", path("y.csv"), "--metrics", "auc"],
            status: 1,
            message:
                "error: Metric 'auc' needs 2 target value(s) per sample to compare with the model's 2 output(s). Received: 1 per sample"
        ),
        Case(
            name: "resume without checkpoint folder", arguments: ["--resume"], status: 64,
            message: "error: --resume needs --checkpoint-dir."),
        Case(
            name: "checkpoint every 0", arguments: ["--checkpoint-every", "0"], status: 64,
            message:
                "error: Invalid value for argument `checkpoint_every`. Expected a positive integer. Received: checkpoint_every=0"
        ),
        Case(
            name: "negative learning rate", arguments: ["--learning-rate=-0.1"], status: 64,
            message:
                "error: Invalid value for argument `learning_rate`. Expected a positive number. Received: learning_rate=-0.1"
        ),
        Case(
            name: "negative seed", arguments: ["--seed", "-1"], status: 64,
            message: "error: The value '-1' is invalid for '--seed <n>'"),
        Case(
            name: "negative batch size, separate value", arguments: ["--batch-size", "-1"],
            status: 64,
            message:
                "error: Invalid value for argument `batch_size`. Expected a positive integer. Received: batch_size=-1"
        ),
        Case(
            name: "regularizer with two equals signs",
            arguments: ["--layers", "4:relu:l2==1,2:softmax"],
            status: 64,
            message:
                "error: Invalid value for argument `layers`. Expected regularizers written l1=F or l2=F with F ≥ 0, such as 32:relu:l2=0.01. Received: layers=4:relu:l2==1"
        ),
        Case(
            name: "far-off activation name", arguments: ["--layers", "4:foo,2:softmax"], status: 64,
            message: "error: Unknown activation 'foo'."),
        Case(
            name: "too many units", arguments: ["--layers", "1000000:relu,1000000:relu"], status: 1,
            message:
                "error: Invalid value for argument `units`. Expected fewer than 2^31 weights in layer 'dense_1' (1000000 inputs × 1000000 units). Received: units=1000000"
        ),
        Case(
            name: "test sample counts differ",
            arguments: [
                "--x", path("x.csv"), "--y", path("y.csv"), "--test-x", path("x.csv"), "--test-y",
                path("y2.csv"),
            ], status: 1,
            message:
                "error: --test-x/--test-y: Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. 'x' sizes: 3, 'y' sizes: 2"
        ),
        Case(
            name: "predict from a config without weights",
            arguments: ["predict", "--model", path("m.json"), "--x", path("x.csv")], status: 1,
            message:
                "error: \(path("m.json")): predict needs a .keras file, which holds the weights"),
        Case(
            name: "bad regularizer", arguments: ["--layers", "4:relu:l3=0.1,2:softmax"], status: 64,
            message:
                "error: Invalid value for argument `layers`. Expected regularizers written l1=F or l2=F with F ≥ 0, such as 32:relu:l2=0.01. Received: layers=4:relu:l3=0.1"
        ),
    ]

    @Test(arguments: cases)
    func badInputGivesOneErrorLine(_ c: Case) throws {
        let result = try Runner.single(
            c.arguments + ["--predictions-out", Self.path("never-written.csv")])
        #expect(result.status == c.status)
        let errors = result.stderr.split(separator: "\n").filter {
            $0.hasPrefix("error") || $0.hasPrefix("Error")
        }
        #expect(errors == [Substring(c.message)], "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(result.stdout.isEmpty || c.status == 1)
        // Nothing is written when a run fails.
        #expect(!FileManager.default.fileExists(atPath: Self.path("never-written.csv")))
    }

    @Test func helpListsEveryFlagWithItsKerasName() throws {
        let result = try Runner.single(["--help"])
        #expect(result.status == 0)
        for flag in [
            "--x", "--y", "--layers", "--loss", "--optimizer", "--learning-rate", "--metrics",
            "--batch-size", "--epochs", "--shuffle", "--no-shuffle", "--seed", "--verbose",
            "--validation-split", "--test-x", "--test-y", "--predictions-out", "--history-out",
        ] {
            #expect(result.stdout.contains(flag), "\(flag)")
        }
        #expect(result.stdout.contains("fit(batch_size="))
    }

    /// The built-in example: 20 Keras epoch lines, above 0.9 accuracy, then the test report.
    @Test func builtInExampleTrainsTheNotesModel() throws {
        let result = try Runner.single([])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("Epoch ") }.count == 20)
        let last = try #require(lines.last { $0.hasPrefix("210/210 - ") })
        let accuracy = try #require(
            last.firstMatch(of: #/accuracy: (\d\.\d{4})/#).flatMap { Double($0.1) })
        #expect(accuracy > 0.9)
        #expect(result.stdout.contains("Test accuracy: "))
        #expect(result.stdout.contains("Confusion matrix"))
    }

    /// A program's own `print` lines and the model's logs keep their order in a pipe (the logs
    /// once went straight out while the prints waited in their buffer).
    @Test func printedLinesAndLogsKeepTheirOrderInAPipe() throws {
        let example = URL(fileURLWithPath: Runner.binary).deletingLastPathComponent()
            .appendingPathComponent("learning-rate-example").path
        let result = try Runner.run(example, [])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let marks = lines.enumerated().filter {
            $0.element.hasPrefix("learning rate:") || $0.element.hasPrefix("Epoch ")
        }.map(\.element)
        #expect(
            marks == [
                "learning rate: 0.0001", "Epoch 1/2", "Epoch 2/2", "learning rate: 0.01",
                "Epoch 1/2", "Epoch 2/2",
            ], "\(result.stdout)")
    }

    /// A header cell may hold a comma inside quotes, and `""` inside quotes is one quote.
    @Test func quotedHeaderCellsAreOneColumnEach() throws {
        let result = try Runner.single([
            "--x", Self.path("quoted.csv"), "--y", Self.path("y.csv"), "--layers", "2:softmax",
            "--epochs", "1", "--verbose", "0",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let cells = CSVFile.cells("\"age, years\", \"dose \"\"mg\"\"\" ,weight")
        #expect(cells == ["age, years", "dose \"mg\"", "weight"])
    }

    @Test func writesPredictionsAndHistory() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 30, in: folder)
        let predictions = folder.appendingPathComponent("p.csv").path
        let history = folder.appendingPathComponent("h.json").path
        let result = try Runner.single([
            "--x", data.x, "--y", data.y, "--layers", "4:relu,3:softmax", "--epochs", "2",
            "--verbose", "0", "--predictions-out", predictions, "--history-out", history,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let p = try CSVFile.read(predictions)
        #expect(p.shape == [30, 3])
        for row in 0..<30 { expectClose(Double(p.row(row).reduce(0, +)), 1, relative: 1e-5) }
        let h = try Runner.history(history)
        #expect(h["loss"]?.count == 2 && h["accuracy"]?.count == 2)
    }

    @Test func callbackFlagsWriteCsvAndStopEarly() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 40, in: folder)
        let csv = folder.appendingPathComponent("log.csv").path
        let history = folder.appendingPathComponent("h.json").path
        let result = try Runner.single([
            "--x", data.x, "--y", data.y, "--layers", "8:relu,3:softmax", "--epochs", "60",
            "--learning-rate", "0.05", "--verbose", "0", "--early-stopping-patience", "0",
            "--reduce-lr-patience", "1", "--csv-log", csv, "--history-out", history,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let h = try Runner.history(history)
        let epochs = try #require(h["loss"]?.count)
        #expect(epochs < 60, "patience 0 stops at the first epoch without improvement")
        #expect(h["learning_rate"]?.count == epochs)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines.first == "epoch,accuracy,learning_rate,loss")
        #expect(lines.filter { !$0.isEmpty }.count == epochs + 1)
    }

    @Test func divergingLossEndsWithAnError() throws {
        let folder = try Runner.scratch()
        let data = try Runner.writeDataset(samples: 20, in: folder)
        let result = try Runner.single([
            "--x", data.x, "--y", data.y, "--layers", "1:linear", "--loss", "mse", "--metrics", "",
            "--optimizer", "sgd", "--learning-rate", "1e12", "--epochs", "5", "--verbose", "0",
        ])
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix("error: Loss became NaN or infinite at epoch "),
            "\(result.stderr)")
    }

    @Test func helpListsTheAcceptedNames() throws {
        let help = try Runner.single(["--help"]).stdout
        for name in [
            "kl_divergence", "huber", "nadam", "adamw", "auc", "top_k_categorical_accuracy", "gelu",
        ] {
            #expect(help.contains(name), "\(name)")
        }
    }
}
