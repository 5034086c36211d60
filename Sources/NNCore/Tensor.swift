/// The shape of a tensor: one extent per axis, outermost first (`[rows, columns]`).
public typealias Shape = [Int]

/// A dense, row-major array of `Float` values with a shape.
///
/// `Tensor` is a value type. Training buffers are sized once, when a model is built, and a
/// short batch only lowers the leading extent (`rows`) inside the reserved storage, so
/// `scalars` may hold more values than `shape` covers. Tensors made by users, and those returned
/// by `predict`, are always exactly sized.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// The extent of each axis.
    public private(set) var shape: Shape
    /// The number of values in one row (the product of the trailing axes).
    public let rowWidth: Int
    /// The values in row-major order. Only the first `shape` product of them are meaningful.
    ///
    /// - Precondition: it keeps at least that many values (an edit that shortens it leaves the
    ///   tensor unusable).
    public var scalars: [Float]

    /// Makes a tensor from a shape and its row-major values.
    ///
    /// - Precondition: no extent is negative and `scalars.count` equals the product of `shape`
    ///   (use `Tensor.make` to get `nil` instead).
    public init(shape: Shape, scalars: [Float]) {
        precondition(
            Self.elementCount(shape) == scalars.count,
            "Tensor(shape: \(shape)) needs non-negative extents and as many scalars as their "
                + "product; got \(scalars.count)")
        self.shape = shape
        self.rowWidth = shape.dropFirst().reduce(1, *)
        self.scalars = scalars
    }

    /// Makes a tensor, or returns `nil` when the number of values does not fit the shape.
    public static func make(shape: Shape, scalars: [Float]) -> Tensor? {
        guard let count = elementCount(shape), scalars.count == count else { return nil }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// The number of values a shape holds, or `nil` for a negative extent or an overflow, of
    /// the whole or of one row (shapes read from files are checked with this before anything
    /// is allocated).
    public static func elementCount(_ shape: Shape) -> Int? {
        var row = 1
        for extent in shape.dropFirst() {
            guard extent >= 0 else { return nil }
            let (product, overflow) = row.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            row = product
        }
        guard let first = shape.first else { return 1 }
        guard first >= 0 else { return nil }
        let (count, overflow) = first.multipliedReportingOverflow(by: row)
        return overflow ? nil : count
    }

    /// Makes a 2-D tensor from rows of equal length, as `np.array([[…], […]])` does.
    ///
    /// - Precondition: all rows have the same length.
    public init(_ rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == width }, "Tensor rows must have equal length")
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// Makes a 1-D tensor, such as a vector of integer class labels.
    public init(_ values: [Float]) {
        self.init(shape: [values.count], scalars: values)
    }

    /// Makes a zero-filled tensor with room for `capacity` rows of `shape.dropFirst()`.
    ///
    /// - Precondition: no extent and no capacity is negative.
    public init(zeros shape: Shape, capacityRows: Int? = nil) {
        let rowWidth = shape.dropFirst().reduce(1, *)
        let rows = max(capacityRows ?? shape.first ?? 1, shape.first ?? 1)
        self.shape = shape
        self.rowWidth = rowWidth
        self.scalars = [Float](repeating: 0, count: rows * rowWidth)
    }

    // The accessors below run in every training step: plain indexing, no generic collection
    // algorithms (which allocate in unoptimised builds).

    /// The extent of the leading axis (samples).
    public var rows: Int { shape.isEmpty ? 1 : shape[0] }
    /// The number of meaningful values.
    public var count: Int { rows * rowWidth }
    /// The number of rows the storage has room for.
    public var capacityRows: Int { rowWidth == 0 ? 0 : scalars.count / rowWidth }

    /// Sets the leading extent without touching storage.
    ///
    /// - Precondition: `0 <= rows <= capacityRows`.
    public mutating func setRows(_ rows: Int) {
        precondition(
            rows >= 0 && rows <= capacityRows, "setRows(\(rows)) outside 0...\(capacityRows)")
        if shape.isEmpty { return }
        if shape[0] != rows { shape[0] = rows }
    }

    /// The values of row `index` (allocates: for tests and reports, not for hot loops).
    ///
    /// - Precondition: `0 <= index < rows`.
    public func row(_ index: Int) -> [Float] {
        Array(scalars[index * rowWidth..<(index + 1) * rowWidth])
    }

    /// The meaningful values, without any reserved capacity.
    public var values: ArraySlice<Float> { scalars[0..<count] }

    /// A tensor holding rows `range` of this one (allocates).
    ///
    /// - Precondition: the tensor has a leading axis and `range` lies within `0..<rows`.
    public func rows(_ range: Range<Int>) -> Tensor {
        var newShape = shape
        newShape[0] = range.count
        return Tensor(
            shape: newShape,
            scalars: Array(scalars[range.lowerBound * rowWidth..<range.upperBound * rowWidth]))
    }

    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.values == rhs.values
    }

    public var description: String {
        if shape.count == 2 {
            let body = (0..<rows).map { r in
                "[" + row(r).map { "\($0)" }.joined(separator: ", ") + "]"
            }
            return "[" + body.joined(separator: ",\n ") + "]"
        }
        return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
    }
}
