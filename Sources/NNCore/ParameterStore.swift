/// Where one weight lives in a `ParameterStore`: `count` values from `offset`, with a shape.
public struct Slot: Sendable, Equatable {
    public let offset: Int
    public let shape: Shape
    /// The number of values (the product of `shape`).
    public let count: Int
    public var range: Range<Int> { offset..<(offset + count) }

    public init(offset: Int, shape: Shape) {
        self.offset = offset
        self.shape = shape
        self.count = shape.reduce(1, *)
    }
}

/// All of a model's weights in one flat buffer, and all their gradients in another.
///
/// One flat buffer means one allreduce per step, one optimizer loop and one write for a
/// checkpoint. The gradient buffer has `statisticsCount` extra values at its end, after the
/// gradients: the trainer puts the step's loss and metric sums there, so that the same single
/// allreduce that sums the gradients across ranks also sums the logs.
public final class ParameterStore {
    /// The weights, slot after slot, in the order the layers asked for them.
    @exclusivity(unchecked) public var values: [Float] = []
    /// `count` gradients matching `values`, then `statisticsCount` step statistics.
    @exclusivity(unchecked) public var gradients: [Float] = []
    /// Whether the first `count` gradients are known to be zero, as they are when allocated and
    /// after an optimizer step. Layers add their weight gradients into the buffer, so a backward
    /// pass clears it first unless this is set (an optimizer step clears it while the values
    /// are still in cache, which saves a pass over memory).
    @exclusivity(unchecked) public var gradientsAreZero = true
    /// Every slot, in creation order (Keras's `get_weights()` order).
    public private(set) var slots: [Slot] = []
    /// The number of step statistics that follow the gradients.
    public private(set) var statisticsCount = 0

    public init() {}

    /// The number of weights.
    public var count: Int { values.count }

    /// Reserves `shape.product` weights and returns where they live.
    ///
    /// - Precondition: `Tensor.elementCount(shape)` is not nil (no negative extent, no
    ///   overflow); a layer checks its shapes before it allocates, as `Dense` does.
    public func allocate(shape: Shape) -> Slot {
        precondition(Tensor.elementCount(shape) != nil, "allocate(shape: \(shape))")
        let slot = Slot(offset: values.count, shape: shape)
        values.append(contentsOf: repeatElement(0, count: slot.count))
        slots.append(slot)
        gradients = [Float](repeating: 0, count: values.count + statisticsCount)
        gradientsAreZero = true
        return slot
    }

    /// Sizes the statistics tail of the gradient buffer.
    public func reserveStatistics(_ count: Int) {
        guard count != statisticsCount else { return }
        statisticsCount = count
        gradients = [Float](repeating: 0, count: values.count + count)
        gradientsAreZero = true
    }

    /// Drops every slot, for a model that is built again.
    public func removeAll() {
        values = []
        gradients = []
        slots = []
        statisticsCount = 0
    }

    /// Makes the `count` gradients zero for a backward pass to add into, unless they are known
    /// to be zero already (`gradientsAreZero`); they then hold a pass's gradients.
    public func clearGradientsForBackward() {
        if !gradientsAreZero, count > 0 {
            let count = count
            gradients.withUnsafeMutableBufferPointer {
                $0.baseAddress!.update(repeating: 0, count: count)
            }
        }
        gradientsAreZero = false
    }
}
