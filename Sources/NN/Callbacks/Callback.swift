import Foundation

/// Keras's logs: metric keys to values (`"loss"`, `"accuracy"`, `"val_loss"`, …).
public typealias Logs = [String: Double]

extension Dictionary where Key == String, Value == Double {
    init(_ pairs: [(key: String, value: Double)]) {
        self.init(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }
}

/// Code called at points of training, under Keras's hook names. Keras: `keras.callbacks.Callback`.
///
/// Every hook has an empty default, so a callback implements only what it needs. Under MPI all
/// ranks call every hook with the same, globally reduced logs, so their decisions agree; a
/// callback that writes files does so on rank 0 only (`model.activeCommunicator`).
public protocol Callback: AnyObject {
    /// Called before training with the model being trained. Keras: `set_model`.
    func setModel(_ model: Sequential)
    func onTrainBegin() throws
    func onTrainEnd() throws
    func onEpochBegin(_ epoch: Int) throws
    /// `logs` may be changed: `ReduceLROnPlateau` adds `learning_rate`, as in Keras.
    func onEpochEnd(_ epoch: Int, logs: inout Logs) throws
    func onTrainBatchBegin(_ batch: Int) throws
    /// Called only for callbacks that set `wantsBatchLogs` (building logs every step costs).
    func onTrainBatchEnd(_ batch: Int, logs: Logs) throws
    /// Whether `onTrainBatchEnd` should be called. Defaults to `false`.
    var wantsBatchLogs: Bool { get }
}

extension Callback {
    public func setModel(_ model: Sequential) {}
    public func onTrainBegin() throws {}
    public func onTrainEnd() throws {}
    public func onEpochBegin(_ epoch: Int) throws {}
    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {}
    public func onTrainBatchBegin(_ batch: Int) throws {}
    public func onTrainBatchEnd(_ batch: Int, logs: Logs) throws {}
    public var wantsBatchLogs: Bool { false }
}

/// Whether larger is better for a monitored key: Keras's `mode="auto"` rule.
enum MonitorMode: String, Sendable {
    case auto, min, max

    func resolved(for monitor: String) -> MonitorMode {
        guard self == .auto else { return self }
        let key = monitor.lowercased()
        return ["acc", "auc", "precision", "recall"].contains { key.contains($0) } ? .max : .min
    }
}

extension Sequential {
    /// Whether this process writes files and prints for callbacks: rank 0 during a distributed
    /// `fit`, always otherwise.
    package var isWritingRank: Bool { activeCommunicator?.isRoot ?? true }
}

/// A callback made of closures. Keras: `LambdaCallback(on_epoch_begin=None, on_epoch_end=None,
/// on_train_begin=None, on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None)`.
public final class LambdaCallback: Callback {
    let epochBegin: ((Int) throws -> Void)?
    let epochEnd: ((Int, Logs) throws -> Void)?
    let trainBegin: (() throws -> Void)?
    let trainEnd: (() throws -> Void)?
    let batchBegin: ((Int) throws -> Void)?
    let batchEnd: ((Int, Logs) throws -> Void)?

    public init(
        onEpochBegin: ((Int) throws -> Void)? = nil,
        onEpochEnd: ((Int, Logs) throws -> Void)? = nil,
        onTrainBegin: (() throws -> Void)? = nil, onTrainEnd: (() throws -> Void)? = nil,
        onTrainBatchBegin: ((Int) throws -> Void)? = nil,
        onTrainBatchEnd: ((Int, Logs) throws -> Void)? = nil
    ) {
        (epochBegin, epochEnd, trainBegin, trainEnd) = (
            onEpochBegin, onEpochEnd, onTrainBegin, onTrainEnd
        )
        (batchBegin, batchEnd) = (onTrainBatchBegin, onTrainBatchEnd)
    }

    public var wantsBatchLogs: Bool { batchEnd != nil }
    public func onTrainBegin() throws { try trainBegin?() }
    public func onTrainEnd() throws { try trainEnd?() }
    public func onEpochBegin(_ epoch: Int) throws { try epochBegin?(epoch) }
    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws { try epochEnd?(epoch, logs) }
    public func onTrainBatchBegin(_ batch: Int) throws { try batchBegin?(batch) }
    public func onTrainBatchEnd(_ batch: Int, logs: Logs) throws { try batchEnd?(batch, logs) }
}
