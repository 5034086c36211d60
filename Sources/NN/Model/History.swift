/// What `fit` returns: every logged value, per epoch. Keras: `keras.callbacks.History`.
///
/// `history.history["loss"]` holds one value per epoch; metric names and their `val_` twins
/// are keys too.
public final class History {
    /// Per-epoch values by Keras log key (`"loss"`, `"accuracy"`, `"val_loss"`, …).
    public internal(set) var history: [String: [Double]] = [:]
    /// The epoch indices that ran, from 0.
    public internal(set) var epoch: [Int] = []

    public init() {}

    func restore(history: [String: [Double]], epochs: [Int]) {
        self.history = history
        epoch = epochs
    }

    func record(epoch index: Int, logs: [(key: String, value: Double)]) {
        epoch.append(index)
        for (key, value) in logs { history[key, default: []].append(value) }
    }
}
