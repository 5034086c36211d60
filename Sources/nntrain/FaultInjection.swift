import Foundation
import NN

/// Test-only hooks, read from the environment:
/// - `NNTRAIN_TEST_FAULT=rank:step:kind` makes that rank fail after its `step`-th optimizer step
///   (counted from 1 across epochs), with `kind` `error` (a thrown error) or `kill` (SIGKILL).
/// - `NNTRAIN_TEST_PERTURB=rank:epoch` nudges one weight on that rank at the end of that epoch
///   (from 1), so that the replica check must catch it.
/// The fault, resume and divergence tests use them.
enum FaultInjection {
    static func install(on model: Sequential, rank: Int) {
        let environment = ProcessInfo.processInfo.environment
        if let spec = environment["NNTRAIN_TEST_FAULT"] {
            let parts = spec.split(separator: ":")
            guard parts.count == 3, let faultRank = Int(parts[0]), let faultStep = Int(parts[1]),
                faultRank == rank
            else { return }
            let kind = String(parts[2])
            model.onTrainBatchEnd = { [unowned model] _, _ in
                guard model.optimizer.iterations == faultStep else { return }
                if kind == "kill" { kill(getpid(), SIGKILL) }
                throw ModelError.invalidData("injected test fault at step \(faultStep)")
            }
        }
    }

    /// The perturbation hook as a callback (it must run at epoch end, before the check).
    static func callbacks(for model: Sequential, rank: Int) -> [any Callback] {
        guard let spec = ProcessInfo.processInfo.environment["NNTRAIN_TEST_PERTURB"] else {
            return []
        }
        let parts = spec.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] == rank else { return [] }
        return [
            LambdaCallback(onEpochEnd: { [unowned model] epoch, _ in
                guard epoch + 1 == parts[1] else { return }
                var weights = model.getWeights()
                weights[0].scalars[0] += 1e-3
                try model.setWeights(weights)
            })
        ]
    }
}
