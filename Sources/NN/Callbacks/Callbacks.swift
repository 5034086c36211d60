import Foundation

/// Sets the learning rate at the start of each epoch from `schedule(epoch, currentRate)`.
/// Keras: `LearningRateScheduler(schedule)`. Adds `learning_rate` to the logs.
public final class LearningRateScheduler: Callback {
    let schedule: (Int, Float) -> Float
    private weak var model: Sequential?

    public init(_ schedule: @escaping (_ epoch: Int, _ learningRate: Float) -> Float) {
        self.schedule = schedule
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onEpochBegin(_ epoch: Int) throws {
        guard let model else { return }
        let rate = schedule(epoch, model.optimizer.learningRate)
        guard rate.isFinite else {
            throw ModelError.invalidArgument(
                name: "learning_rate", value: String(rate),
                expected: "a finite number from the schedule")
        }
        model.optimizer.learningRate = rate
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        if let model { logs["learning_rate"] = Double(model.optimizer.learningRate) }
    }
}

/// Stops training as soon as the running loss is NaN or infinite. Keras: `TerminateOnNaN()`.
///
/// It prints `Batch 3: Invalid loss, terminating training` (rank 0) and the epoch still ends,
/// so `History` holds its running values.
public final class TerminateOnNaN: Callback {
    private weak var model: Sequential?
    public init() {}
    public var wantsBatchLogs: Bool { true }
    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBatchEnd(_ batch: Int, logs: Logs) throws {
        guard let loss = logs["loss"], !loss.isFinite, let model else { return }
        if model.isWritingRank {
            model.output("Batch \(batch): Invalid loss, terminating training\n")
        }
        model.stopTraining = true
    }
}

/// Streams each epoch's logs to a CSV file: `epoch` then the keys in sorted order, one row per
/// epoch, lines ended with `\r\n` as Python's csv module writes them. Keras:
/// `CSVLogger(filename, separator=",", append=False)`. Only rank 0 writes.
public final class CSVLogger: Callback {
    public let path: String
    public let separator: String
    public let append: Bool
    private var keys: [String]?
    private var text = ""
    private weak var model: Sequential?

    public init(_ path: String, separator: String = ",", append: Bool = false) {
        self.path = path
        self.separator = separator
        self.append = append
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBegin() throws {
        // Keras's CSV writer takes a one-character delimiter.
        guard separator.unicodeScalars.count == 1, separator != "\"", separator != "\n",
            separator != "\r"
        else {
            throw ModelError.invalidArgument(
                name: "separator", value: "\"\(separator)\"",
                expected: "one character other than a quote or a line break")
        }
        keys = nil
        text = ""
        if append, let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            text = existing
            keys = existing.split(separator: "\r\n").first.map {
                $0.split(separator: separator).dropFirst().map(String.init)
            }
        }
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        if keys == nil {
            keys = logs.keys.sorted()
            text += (["epoch"] + keys!).joined(separator: separator) + "\r\n"
        }
        let row = [String(epoch)] + keys!.map { key in logs[key].map { "\($0)" } ?? "NA" }
        text += row.joined(separator: separator) + "\r\n"
        // Rewritten whole each epoch, atomically, so a killed run leaves a complete file.
        guard model?.isWritingRank ?? true else { return }
        try DataFiles.writeAtomically(Data(text.utf8), to: path)
    }
}
