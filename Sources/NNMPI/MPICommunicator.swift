import CMPI
import NNCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The ranks of an MPI job (`MPI_COMM_WORLD`), for data-parallel training.
///
/// ```swift
/// let world = try MPICommunicator.world()
/// try model.fit(x: x, y: y, batchSize: 64, epochs: 5, communicator: world)
/// ```
///
/// Started plainly (not under `mpirun`), the world is one rank. MPI is initialised on first
/// use and finalised when the process exits normally. This is the only code in nntrain that
/// calls MPI.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    private init() {
        rank = Int(nn_mpi_rank())
        size = Int(nn_mpi_size())
    }

    nonisolated(unsafe) private static var shared: MPICommunicator?

    /// The world communicator, initialising MPI the first time.
    ///
    /// - Throws: `CommunicatorError.mpi` when `MPI_Init` fails.
    public static func world() throws(CommunicatorError) -> MPICommunicator {
        if let shared { return shared }
        try checkLive("MPI_Init")
        if nn_mpi_initialized() == 0 {
            try check(nn_mpi_init(), "MPI_Init")
            atexit { MPICommunicator.finalize() }
        }
        let world = MPICommunicator()
        shared = world
        return world
    }

    /// Ends MPI for this process (also done at exit). Collectives fail afterwards.
    public static func finalize() {
        if nn_mpi_initialized() != 0, nn_mpi_finalized() == 0 { _ = nn_mpi_finalize() }
    }

    /// This process's rank as an MPI launcher (`mpirun`, `srun`) set it in the environment,
    /// read before MPI is initialised (`Launcher.rank`).
    public static var launchRank: Int? { Launcher.rank }

    /// Whether this process was started by an MPI launcher (`mpirun`, `srun`), judged from
    /// the environment before MPI is initialised (see `launchRank`).
    public static var isLaunchedByMPI: Bool { launchRank != nil }

    /// Refuses a collective after `finalize()`: OpenMPI ends the process on any call made then.
    private static func checkLive(_ call: String) throws(CommunicatorError) {
        guard nn_mpi_finalized() == 0 else {
            throw .mpi(
                call: call, code: -1,
                message: "MPI was finalized; no collective can run after MPICommunicator.finalize()"
            )
        }
    }

    /// A root rank as MPI takes it, when it names a rank of the group.
    private func root(_ root: Int, _ call: String) throws(CommunicatorError) -> Int32 {
        guard (0..<size).contains(root) else {
            throw .mpi(call: call, code: -1, message: "root \(root) is not a rank of \(size)")
        }
        return Int32(root)
    }

    /// MPI counts are 32-bit: larger buffers are refused rather than truncated.
    private static func count(_ n: Int, _ call: String) throws(CommunicatorError) -> Int32 {
        guard n <= Int(Int32.max) else {
            throw .mpi(call: call, code: -1, message: "\(n) values exceed MPI's 32-bit count")
        }
        return Int32(n)
    }

    public func allreduceSum(_ buffer: inout [Float]) throws(CommunicatorError) {
        try allreduceSum(&buffer) { nn_mpi_allreduce_sum_float($0, $1) }
    }

    public func allreduceSum(_ buffer: inout [Double]) throws(CommunicatorError) {
        try allreduceSum(&buffer) { nn_mpi_allreduce_sum_double($0, $1) }
    }

    /// Sums `buffer` over the ranks in place with `call`, the shim's `MPI_Allreduce` for the
    /// element type.
    private func allreduceSum<Element>(
        _ buffer: inout [Element], using call: (UnsafeMutablePointer<Element>?, Int32) -> Int32
    ) throws(CommunicatorError) {
        guard size > 1 else { return }
        try Self.checkLive("MPI_Allreduce")
        let count = try Self.count(buffer.count, "MPI_Allreduce")
        let rc = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress, count) }
        try Self.check(rc, "MPI_Allreduce")
    }

    public func broadcast(_ buffer: inout [Float], from root: Int) throws(CommunicatorError) {
        guard size > 1 else { return }
        try Self.checkLive("MPI_Bcast")
        let root = try self.root(root, "MPI_Bcast")
        let count = try Self.count(buffer.count, "MPI_Bcast")
        let rc = buffer.withUnsafeMutableBufferPointer {
            nn_mpi_broadcast_float($0.baseAddress, count, root)
        }
        try Self.check(rc, "MPI_Bcast")
    }

    public func gather(_ values: [Float], to root: Int) throws(CommunicatorError) -> [Float] {
        guard size > 1 else { return values }
        try Self.checkLive("MPI_Gather")
        let root = try self.root(root, "MPI_Gather")
        let count = try Self.count(values.count, "MPI_Gather")
        var counts = [Int32](repeating: 0, count: size)
        try Self.check(nn_mpi_gather_int(count, &counts, root), "MPI_Gather")
        // Only root receives the counts (the others hold zeros). The total is checked before
        // any 32-bit offset is formed, so every offset below fits.
        let total = counts.reduce(0) { $0 + Int($1) }
        _ = try Self.count(total, "MPI_Gatherv")
        var offsets = [Int32](repeating: 0, count: size)
        for index in 1..<size { offsets[index] = offsets[index - 1] + counts[index - 1] }
        var all = [Float](repeating: 0, count: total)
        let rc = values.withUnsafeBufferPointer { send in
            all.withUnsafeMutableBufferPointer { receive in
                nn_mpi_gatherv_float(
                    send.baseAddress, count, receive.baseAddress, counts, offsets, root)
            }
        }
        try Self.check(rc, "MPI_Gatherv")
        return all
    }

    public func allgather(_ value: UInt64) throws(CommunicatorError) -> [UInt64] {
        guard size > 1 else { return [value] }
        try Self.checkLive("MPI_Allgather")
        var values = [UInt64](repeating: 0, count: size)
        try Self.check(nn_mpi_allgather_uint64(value, &values), "MPI_Allgather")
        return values
    }

    public func abort(exitCode: Int32) -> Never {
        _ = nn_mpi_abort(exitCode)
        exit(exitCode)
    }

    private static func check(_ code: Int32, _ call: String) throws(CommunicatorError) {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        nn_mpi_error_string(code, &text, &length)
        let message = String(
            decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw .mpi(call: call, code: code, message: message)
    }
}
