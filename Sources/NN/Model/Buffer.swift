/// A tensor held by reference, so that the model can hand one stage's buffer to a layer as
/// input while another stage's is being written, without two accesses to one array.
final class Buffer {
    @exclusivity(unchecked) var tensor: Tensor

    init(_ shape: Shape, capacityRows: Int) {
        tensor = Tensor(zeros: shape, capacityRows: capacityRows)
    }

    /// The storage address, which the steady-state tests compare across steps.
    var address: UnsafeRawPointer? {
        tensor.scalars.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}
