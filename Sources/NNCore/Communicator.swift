import Foundation

/// A group of processes that train one model together: ranks `0..<size`.
///
/// `LocalCommunicator` is the group of one, and the single-process path is the distributed path
/// with `size == 1`. Every collective must be called by every rank in the same order, or the
/// group waits forever; the training loop is written so that all ranks call the same sequence.
public protocol Communicator: AnyObject {
    /// This process's index in the group.
    var rank: Int { get }
    /// The number of processes in the group.
    var size: Int { get }
    /// Replaces `buffer` on every rank by the element-wise sum over all ranks.
    func allreduceSum(_ buffer: inout [Float]) throws(CommunicatorError)
    /// Replaces `buffer` on every rank by the element-wise sum over all ranks.
    func allreduceSum(_ buffer: inout [Double]) throws(CommunicatorError)
    /// Replaces `buffer` on every rank by rank `root`'s copy.
    func broadcast(_ buffer: inout [Float], from root: Int) throws(CommunicatorError)
    /// Returns every rank's `values`, concatenated in rank order, on rank `root` (other ranks
    /// get an empty array). Ranks may contribute different counts.
    func gather(_ values: [Float], to root: Int) throws(CommunicatorError) -> [Float]
    /// Returns every rank's `value`, in rank order, on every rank.
    func allgather(_ value: UInt64) throws(CommunicatorError) -> [UInt64]
    /// Ends the whole group at once, printing nothing more: used after this rank has already
    /// reported an error, so that no rank is left waiting in a collective.
    func abort(exitCode: Int32) -> Never
}

extension Communicator {
    /// Whether this is rank 0, the rank that prints logs and writes files.
    public var isRoot: Bool { rank == 0 }
}

/// Why a collective failed.
public enum CommunicatorError: Error, Equatable, CustomStringConvertible {
    /// The MPI library returned an error code for a call.
    case mpi(call: String, code: Int32, message: String)
    /// Ranks disagree on something that must be identical (configuration, data).
    case mismatch(String)

    public var description: String {
        switch self {
        case .mpi(let call, let code, let message):
            return "\(call) failed with MPI error \(code): \(message)"
        case .mismatch(let message):
            return message
        }
    }
}

/// How an MPI launcher (`mpirun`, `srun`) started this process, read from the environment it
/// sets: no MPI library is needed, and it can be read before MPI starts.
public enum Launcher {
    /// This process's rank, or nil when no launcher variable holds a number.
    public static var rank: Int? {
        for name in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"] {
            if let value = getenv(name), let rank = Int(String(cString: value)) { return rank }
        }
        return nil
    }
}
