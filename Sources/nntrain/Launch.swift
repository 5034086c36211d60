import Foundation
import NN
import NNMPI

/// What nntrain can learn about its MPI launch before MPI is initialised.
enum Launch {
    /// This process's rank as the launcher set it (0 when not launched by MPI).
    static var rankFromEnvironment: Int { MPICommunicator.launchRank ?? 0 }
}

/// Writes one line to standard error (Swift 6 has no safe `stderr` global to `fputs` to).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

extension ModelError {
    /// Whether every rank raises this error at the same point (it is decided from globally
    /// reduced values), so that the ranks can stop together without `MPI_Abort`.
    var isSharedByAllRanks: Bool {
        if case .nonFiniteLoss = self { return true }
        return false
    }
}
