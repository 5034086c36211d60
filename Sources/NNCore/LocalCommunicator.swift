#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// The group of one process: every collective is the identity.
public final class LocalCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ buffer: inout [Float]) throws(CommunicatorError) {}
    public func allreduceSum(_ buffer: inout [Double]) throws(CommunicatorError) {}
    public func broadcast(_ buffer: inout [Float], from root: Int) throws(CommunicatorError) {}
    public func gather(_ values: [Float], to root: Int) throws(CommunicatorError) -> [Float] {
        values
    }
    public func allgather(_ value: UInt64) throws(CommunicatorError) -> [UInt64] { [value] }
    public func abort(exitCode: Int32) -> Never { exit(exitCode) }
}
