import CKernels
import Foundation

/// Rows of samples that training and inference read: a `Tensor` in memory, or a float32 `.npy`
/// file mapped into memory (`NumpyFile.map`), whose pages every rank on a machine shares.
public protocol Samples {
    /// `[rows, features]` (or `[rows]`).
    var shape: Shape { get }
    /// Calls `body` with the row-major values: as many as the shape's product.
    func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
    /// Rows `range`, as a copy or a view.
    ///
    /// - Precondition: `range` lies within `0..<rows`.
    func slice(_ range: Range<Int>) -> any Samples
}

// Read in every training step: plain indexing, no generic collection algorithms (which allocate
// in unoptimised builds).
extension Samples {
    /// The number of samples.
    public var rows: Int {
        let shape = shape
        return shape.isEmpty ? 1 : shape[0]
    }
    /// The values per sample.
    public var rowWidth: Int {
        let shape = shape
        var width = 1
        var axis = 1
        while axis < shape.count {
            width *= shape[axis]
            axis += 1
        }
        return width
    }
}

extension Tensor: Samples {
    public func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
    {
        try scalars.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[0..<count]))
        }
    }

    public func slice(_ range: Range<Int>) -> any Samples { rows(range) }
}

/// A float32, C-ordered `.npy` file mapped read-only into memory: the values are read from the
/// page cache, which the ranks on one machine share, instead of being copied into each process.
public final class MappedSamples: Samples, @unchecked Sendable {
    public let shape: Shape
    /// The mapping, shared by the slices made from it.
    private let mapping: Mapping
    private let offset: Int

    final class Mapping {
        let base: UnsafeMutableRawPointer
        let length: Int
        init(base: UnsafeMutableRawPointer, length: Int) {
            (self.base, self.length) = (base, length)
            nn_mapped_register(base, length)
        }
        deinit {
            nn_mapped_unregister(base)
            munmap(base, length)
        }
    }

    init(shape: Shape, mapping: Mapping, offset: Int) {
        (self.shape, self.mapping, self.offset) = (shape, mapping, offset)
    }

    public func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R
    {
        let start = (mapping.base + offset).assumingMemoryBound(to: Float.self)
        return try body(UnsafeBufferPointer(start: start, count: shape.reduce(1, *)))
    }

    public func slice(_ range: Range<Int>) -> any Samples {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[0],
            "slice(\(range)) outside the \(shape[0]) rows")
        var newShape = shape
        newShape[0] = range.count
        return MappedSamples(
            shape: newShape, mapping: mapping, offset: offset + 4 * rowWidth * range.lowerBound)
    }
}

extension UnsafeBufferPointer<Float> {
    /// The index of the first NaN or infinity (a vectorised scan), or nil when all are finite.
    var firstNonFinite: Int? {
        guard let base = baseAddress, count > 0 else { return nil }
        let index = nn_first_nonfinite(base, count)
        return index < count ? index : nil
    }
}
