/// Lowers the learning rate when a monitored value stops improving. Keras:
/// `ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, mode="auto",
/// min_delta=1e-4, cooldown=0, min_lr=0.0)`.
///
/// It adds `learning_rate` (the rate used during the epoch) to the logs and `History`, as
/// Keras does.
public final class ReduceLROnPlateau: Callback {
    public let monitor: String
    public let factor: Float
    public let patience: Int
    public let minDelta: Double
    public let cooldown: Int
    public let minLearningRate: Float
    let mode: MonitorMode
    private var best = 0.0
    private var wait = 0
    private var cooldownCounter = 0
    private weak var model: Sequential?

    public init(
        monitor: String = "val_loss", factor: Float = 0.1, patience: Int = 10,
        mode: String = "auto",
        minDelta: Double = 1e-4, cooldown: Int = 0, minLearningRate: Float = 0
    ) {
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.mode = (MonitorMode(rawValue: mode) ?? .auto).resolved(for: monitor)
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBegin() throws {
        // Keras raises this when the callback is made.
        guard factor < 1, factor.isFinite else {
            throw ModelError.invalidArgument(
                name: "factor", value: String(factor),
                expected: "a factor below 1.0: ReduceLROnPlateau does not support a factor >= 1.0")
        }
        best = mode == .max ? -.infinity : .infinity
        (wait, cooldownCounter) = (0, 0)
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        guard let model else { return }
        logs["learning_rate"] = Double(model.optimizer.learningRate)
        guard let current = logs[monitor] else { return }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        let better = mode == .max ? current > best + minDelta : current < best - minDelta
        if better {
            best = current
            wait = 0
        } else if cooldownCounter <= 0 {
            wait += 1
            if wait >= patience {
                let old = model.optimizer.learningRate
                if old > minLearningRate {
                    model.optimizer.learningRate = max(old * factor, minLearningRate)
                    cooldownCounter = cooldown
                    wait = 0
                }
            }
        }
    }
}
