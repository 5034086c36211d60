import Foundation
import NN

/// Saves the model (or its weights) at the end of each epoch, or only when a monitored value
/// improves. Keras: `ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
/// save_weights_only=False, mode="auto")`.
///
/// `filepath` may contain `{epoch}` (from 1), replaced as Keras does. Files are `.keras`
/// archives, or `.weights.h5` with `saveWeightsOnly`, written atomically by rank 0.
public final class ModelCheckpoint: Callback {
    public let filepath: String
    public let monitor: String
    public let saveBestOnly: Bool
    public let saveWeightsOnly: Bool
    private let maximize: Bool
    private var best: Double?
    private weak var model: Sequential?

    /// - Parameter mode: `"auto"`, `"min"` or `"max"`; auto means larger is better for
    ///   accuracy, AUC, precision and recall, smaller otherwise.
    public init(
        filepath: String, monitor: String = "val_loss", saveBestOnly: Bool = false,
        saveWeightsOnly: Bool = false, mode: String = "auto"
    ) {
        self.filepath = filepath
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.saveWeightsOnly = saveWeightsOnly
        let key = monitor.lowercased()
        maximize =
            mode == "max"
            || (mode == "auto"
                && ["acc", "auc", "precision", "recall"].contains { key.contains($0) })
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBegin() throws {
        let expected = saveWeightsOnly ? ".weights.h5" : ".keras"
        guard filepath.hasSuffix(expected) else {
            throw ModelError.file(
                path: filepath,
                problem:
                    "ModelCheckpoint writes \(saveWeightsOnly ? "weights" : "models"): the path must end in \(expected)"
            )
        }
        best = nil
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        guard let model else { return }
        if saveBestOnly {
            // Every rank decides from the same reduced logs; only rank 0 writes.
            guard let current = logs[monitor] else { return }
            if let best, maximize ? !(current > best) : !(current < best) { return }
            best = current
        }
        guard model.isWritingRank else { return }
        let path = filepath.replacingOccurrences(of: "{epoch}", with: String(epoch + 1))
        if saveWeightsOnly { try model.saveWeights(path) } else { try model.save(path) }
    }
}
