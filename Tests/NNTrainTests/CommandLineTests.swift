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
            message: "error: x contains nan at sample 1, feature 1; training data must be finite."),
    ]

    @Test(arguments: cases)
    func badInputGivesOneErrorLine(_ c: Case) throws {
        let result = try Runner.single(c.arguments)
        #expect(result.status == c.status)
        let errors = result.stderr.split(separator: "\n").filter {
            $0.hasPrefix("error") || $0.hasPrefix("Error")
        }
        #expect(errors == [Substring(c.message)], "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(result.stdout.isEmpty || c.status == 1)
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
