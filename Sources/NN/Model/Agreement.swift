import Synchronization

extension Sequential {
    /// What identifies a training run, for ranks to compare and checkpoints to record: the
    /// configuration, and a hash of the data (a pass over all of it).
    func trainingFingerprints(
        x: any Samples, y: Tensor, batchSize: Int, epochs: Int, shuffle: Bool
    ) -> (configuration: UInt64, data: UInt64) {
        let configuration = Fingerprint.of(
            configurationDescription + " batch=\(batchSize) epochs=\(epochs) shuffle=\(shuffle)")
        return (configuration, Fingerprint.of(x, y))
    }

    /// Gathers every rank's `hash` and, when one differs from rank 0's, stops every rank (all
    /// see the same hashes) with `message(rank, hashes)` naming the first that differs.
    private func requireSame(
        _ hash: UInt64, over world: any Communicator, _ message: (Int, [UInt64]) -> String
    ) throws {
        let hashes = try world.allgather(hash)
        if let rank = hashes.firstIndex(where: { $0 != hashes[0] }) {
            throw CommunicatorError.mismatch(message(rank, hashes))
        }
    }

    /// "rank r has different data to `what` (fingerprint …) than rank 0 (fingerprint …)".
    private static func differentData(_ what: String, _ rank: Int, _ hashes: [UInt64]) -> String {
        "rank \(rank) has different \(what) (fingerprint \(Fingerprint.hex(hashes[rank]))) than "
            + "rank 0 (fingerprint \(Fingerprint.hex(hashes[0])))"
    }

    /// Stops when ranks were given different configurations or data: training would silently
    /// diverge otherwise. Every rank learns the outcome, and rank 0 reports it.
    func checkAgreement(
        _ fingerprints: (configuration: UInt64, data: UInt64), over world: any Communicator
    ) throws {
        guard world.size > 1 else { return }
        try requireSame(fingerprints.configuration, over: world) { rank, _ in
            "rank \(rank) has a different training configuration (model, compile settings, "
                + "flags or seed) than rank 0"
        }
        try requireSame(fingerprints.data, over: world) {
            Self.differentData("training data", $0, $1)
        }
    }

    /// Stops when ranks start training from different optimizer states (a weights file with
    /// one, read on one host only): the weights are broadcast from rank 0, the state is not,
    /// and the ranks' steps would differ from the first.
    func checkOptimizerState(over world: any Communicator) throws {
        guard world.size > 1 else { return }
        let state = optimizer.exportState()
        var hash = Fingerprint.of(
            "\(state.name) \(state.iterations) \(state.learningRate) \(state.scalars)")
        for variable in state.variables {
            hash = (hash &* 0x100_0000_01b3) ^ Fingerprint.of(variable)
        }
        try requireSame(hash, over: world) { rank, _ in
            "rank \(rank) starts with a different optimizer state (step count or moments) than "
                + "rank 0; give every rank the same weights file"
        }
    }

    /// Stops when ranks resumed from checkpoints of different runs (one host's folder holds
    /// another run's files at the same step): the weights, the optimizer state, the epoch's
    /// order and the shuffling generator must all agree, or the ranks would part ways (and
    /// reach their next checkpoint save at different steps).
    func checkResumedState(order: [Int], over world: any Communicator) throws {
        guard world.size > 1 else { return }
        var hash = Fingerprint.of(store.values)
        for value in order + shuffleGenerator.state.map({ Int(truncatingIfNeeded: $0) }) {
            hash = (hash ^ UInt64(bitPattern: Int64(value))) &* 0x100_0000_01b3
        }
        try requireSame(hash, over: world) { rank, _ in
            "rank \(rank) resumed from a checkpoint of another run than rank 0's (other weights "
                + "or order at the same step); give every rank the same checkpoint folder"
        }
        try checkOptimizerState(over: world)
    }

    /// Stops when ranks would evaluate or predict different things: other data, or other
    /// weights (a model file that differs between hosts). Each rank's rows would silently join
    /// the others' otherwise.
    func checkSameInputs(_ samples: [any Samples], _ what: String, over world: any Communicator)
        throws
    {
        guard world.size > 1 else { return }
        try requireSame(Fingerprint.of(samples), over: world) {
            Self.differentData("data to \(what)", $0, $1)
        }
        try requireSame(Fingerprint.of(store.values), over: world) { rank, _ in
            "rank \(rank) has different weights than rank 0; give every rank the same model"
        }
    }

    /// Stops when a rank's weights differ from rank 0's: the ranks should step in lockstep,
    /// and a difference means a fault (bad memory, a bug) that would silently grow.
    func checkReplicas(after epoch: Int, over world: any Communicator) throws {
        guard world.size > 1 else { return }
        try requireSame(Fingerprint.of(store.values), over: world) { rank, _ in
            "rank \(rank)'s weights diverged from rank 0's after epoch \(epoch + 1); "
                + "training stopped"
        }
    }

    /// Everything that must match across ranks, as text.
    var configurationDescription: String {
        var parts = [
            "optimizerSettings=\(Self.settings(of: optimizer))",
            "lossSettings=\(loss.map { String(describing: $0) } ?? "-")",
            "seed=\(seed)", "loss=\(loss?.name ?? "-")", "optimizer=\(optimizer.name)",
            "lr=\(optimizer.learningRate)", "metrics=\(metricNames)", "input=\(inputShape ?? [])",
        ]
        for layer in layers {
            var part = layer.className
            if let dense = layer as? Dense {
                part +=
                    "(\(dense.units),\(dense.activation),\(dense.useBias),"
                    + "\(String(describing: dense.kernelRegularizer)),\(String(describing: dense.biasRegularizer)))"
            } else if let activation = layer as? Activation {
                part += "(\(activation.activation))"
            }
            parts.append(part)
        }
        return parts.joined(separator: " ")
    }
}

/// Runs `body` on every rank, then lets the ranks agree on the outcome: when any rank failed,
/// every rank throws (its own error, or one naming the first failing rank), so that none goes
/// on into a collective the others will never reach.
func together<T>(_ world: any Communicator, _ what: String, _ body: () throws -> T) throws -> T {
    GroupFailure.record(nil)
    guard world.size >= 1, (0..<world.size).contains(world.rank) else {
        throw ModelError.invalidArgument(
            name: "communicator", value: "rank \(world.rank) of \(world.size)",
            expected: "a group of at least one rank, this one numbered from 0 below the size")
    }
    var result: T?
    var failure: (any Error)?
    do { result = try body() } catch { failure = error }
    if world.size > 1 {
        let failed = try world.allgather(failure == nil ? 0 : 1)
        let ranks = failed.indices.filter { failed[$0] == 1 }
        if !ranks.isEmpty { GroupFailure.record(ranks) }
        if failure == nil, let rank = failed.firstIndex(of: 1) {
            throw CommunicatorError.mismatch("rank \(rank) could not \(what) (it reports why)")
        }
    }
    if let failure { throw failure }
    guard let result else { throw CommunicatorError.mismatch("could not \(what)") }
    return result
}

/// Which ranks failed the last step that every rank of a `fit`, `evaluate` or `predict` takes
/// together (a check of the arguments and data, a checkpoint read). Every rank stops at that
/// step and knows the same list, so a launcher can print one line for the group (the first
/// failing rank's reason) and end every rank without aborting the job.
public enum GroupFailure {
    private static let state = Mutex<[Int]?>(nil)

    /// The ranks whose part failed, or nil when the last such step succeeded on every rank or
    /// ran on one rank.
    public static var failedRanks: [Int]? { state.withLock { $0 } }

    static func record(_ ranks: [Int]?) { state.withLock { $0 = ranks } }
}

extension Sequential {
    /// An optimizer's hyperparameters (its number and flag properties, not its state arrays).
    static func settings(of optimizer: any Optimizer) -> String {
        var parts: [String] = []
        var mirror: Mirror? = Mirror(reflecting: optimizer)
        while let current = mirror {
            for child in current.children {
                switch child.value {
                case let v as Float: parts.append("\(child.label ?? "")=\(v)")
                case let v as Bool: parts.append("\(child.label ?? "")=\(v)")
                case let v as Float?:
                    parts.append("\(child.label ?? "")=\(v.map { "\($0)" } ?? "nil")")
                case let v as AdamMoments:
                    parts.append("moments=\(v.beta1),\(v.beta2),\(v.epsilon),\(v.amsgrad)")
                default: continue
                }
            }
            mirror = current.superclassMirror
        }
        return parts.sorted().joined(separator: ",")
    }
}

/// 64-bit FNV-1a hashes of configurations and data, stable across processes.
public enum Fingerprint {
    /// The hash of a text: what ranks compare to learn they were given the same settings.
    public static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func of(_ samples: any Samples...) -> UInt64 { of(samples) }

    static func of(_ samples: [any Samples]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for sample in samples {
            for extent in sample.shape { hash = (hash ^ UInt64(extent)) &* 0x100_0000_01b3 }
            sample.withUnsafeValues { values in
                for value in values { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
            }
        }
        return hash
    }

    static func of(_ values: [Float]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
