/// Stops training when a monitored value stops improving. Keras: `EarlyStopping(monitor=
/// "val_loss", min_delta=0, patience=0, mode="auto", baseline=None,
/// restore_best_weights=False, start_from_epoch=0)`.
///
/// As in Keras, an epoch improves when it beats the best value by more than `minDelta`;
/// training stops once `patience` epochs in a row did not (never after the first epoch), and
/// with `restoreBestWeights` the best epoch's weights are put back when training ends, whether
/// or not it stopped early.
public final class EarlyStopping: Callback {
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let baseline: Double?
    public let restoreBestWeights: Bool
    public let startFromEpoch: Int
    let mode: MonitorMode
    /// The epoch (from 0) at which training stopped, or 0.
    public private(set) var stoppedEpoch = 0
    /// The epoch (from 0) with the best value.
    public private(set) var bestEpoch = 0
    private var best: Double?
    private var wait = 0
    private var bestWeights: [Tensor]?
    private weak var model: Sequential?

    /// - Parameter mode: `"auto"`, `"min"` or `"max"`; auto means larger is better for
    ///   accuracy, AUC, precision and recall, smaller otherwise.
    public init(
        monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0,
        mode: String = "auto",
        baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0
    ) {
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.mode = (MonitorMode(rawValue: mode) ?? .auto).resolved(for: monitor)
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBegin() throws {
        (wait, stoppedEpoch, bestEpoch, best, bestWeights) = (0, 0, 0, nil, nil)
    }

    private func improves(_ value: Double, on reference: Double?) -> Bool {
        guard let reference else { return true }
        return mode == .max ? value - minDelta > reference : value + minDelta < reference
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        guard let current = logs[monitor], epoch >= startFromEpoch, let model else { return }
        if restoreBestWeights, bestWeights == nil {
            bestWeights = model.getWeights()
            bestEpoch = epoch
        }
        wait += 1
        if improves(current, on: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.getWeights() }
            if baseline == nil || improves(current, on: baseline) { wait = 0 }
            return
        }
        if wait >= patience, epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
        }
    }

    public func onTrainEnd() throws {
        if restoreBestWeights, let bestWeights { try model?.setWeights(bestWeights) }
    }
}
