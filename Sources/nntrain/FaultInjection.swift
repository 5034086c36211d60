import Foundation
import NN

/// A test-only hook: `NNTRAIN_TEST_FAULT=rank:step:kind` makes that rank fail after that
/// training step of the first epoch, with `kind` `error` (a thrown error) or `kill` (SIGKILL).
/// The distributed tests use it to prove that a failing rank ends the whole job.
enum FaultInjection {
    static func install(on model: Sequential, rank: Int) {
        guard let spec = ProcessInfo.processInfo.environment["NNTRAIN_TEST_FAULT"] else { return }
        let parts = spec.split(separator: ":")
        guard parts.count == 3, let faultRank = Int(parts[0]), let faultStep = Int(parts[1]),
            faultRank == rank
        else { return }
        let kind = String(parts[2])
        model.onTrainBatchEnd = { epoch, step in
            guard epoch == 0, step == faultStep else { return }
            if kind == "kill" { kill(getpid(), SIGKILL) }
            throw ModelError.invalidData("injected test fault at step \(step)")
        }
    }
}
