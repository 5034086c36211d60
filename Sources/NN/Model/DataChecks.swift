/// Checks on user data before any work starts, so that mistakes get one clear message.
extension Sequential {
    /// Checks data before training or inference, building the model from `x` if needed, so
    /// that a mistake is reported before any rank starts to train.
    ///
    /// - Throws: `ModelError` naming the problem (sample counts, feature count, labels out of
    ///   range for the output, NaN or infinite values, `compile` missing when `y` is given).
    public func validate(x: any Samples, y: Tensor?) throws(ModelError) {
        try prepare(x: x, y: y)
        if let y { _ = try resolvedMetrics(targetWidth: y.rowWidth) }
    }

    /// Checks `x` (and `y`, when given) against the model, building it from `x` if needed.
    func prepare(x: any Samples, y: Tensor?, role: String = "x") throws(ModelError) {
        guard isCompiled || y == nil else { throw .notCompiled }
        guard x.shape.count == 2 else {
            throw .invalidData(
                "Expected \(role) to be a 2-D array of shape (samples, features). Received: \(role) "
                    + "with shape \(ModelError.render(x.shape))")
        }
        guard x.rows > 0 else {
            throw .invalidData(
                "Expected at least one sample. Received: \(role) with shape \(ModelError.render(x.shape))"
            )
        }
        if let y, y.rows != x.rows || y.shape.isEmpty {
            throw .invalidData(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
                    + "samples. 'x' sizes: \(x.rows), 'y' sizes: \(y.shape.first ?? 0)")
        }
        if !isBuilt {
            guard !layers.isEmpty else {
                throw .invalidArgument(
                    name: "layers", value: "[]", expected: "at least one layer in the model")
            }
            try build(inputShape: [x.rowWidth])
        }
        if let inputShape, inputShape != [x.rowWidth] {
            throw .shapeMismatch(
                layer: layers[0].name, expectedFeatures: inputShape.first ?? 0,
                received: [-1, x.rowWidth])
        }
        try Self.requireFinite(x, role: role)
        if let y {
            try Self.requireFinite(y, role: "y")
            try trainingLoss?.validate(targets: y, outputWidth: outputShape?.last ?? 0)
        }
    }

    /// Refuses NaN and infinity, naming the sample and feature.
    static func requireFinite(_ t: any Samples, role: String) throws(ModelError) {
        let width = max(t.rowWidth, 1)
        let bad: (Int, Float)? = t.withUnsafeValues { values in
            values.firstNonFinite.map { ($0, values[$0]) }
        }
        if let (index, value) = bad {
            throw .invalidData(
                "\(role) contains \(value) at sample \(index / width), feature \(index % width); "
                    + "training data must be finite.")
        }
    }

    /// The metrics compiled into the model, resolved for targets `targetWidth` values wide.
    func resolvedMetrics(targetWidth: Int) throws(ModelError) -> [any Metric] {
        var metrics: [any Metric] = []
        let outputWidth = outputShape?.last ?? 1
        for name in metricNames {
            let metric = try Metrics.named(name, outputWidth: outputWidth, targetWidth: targetWidth)
            try metric.validate(targetWidth: targetWidth, outputWidth: outputWidth)
            metrics.append(metric)
        }
        return metrics
    }
}

/// How a global batch is split over ranks: contiguous slices whose sizes differ by at most one.
public enum Shards {
    /// The rows of a `count`-row batch that `rank` of `size` takes.
    ///
    /// - Precondition: `count >= 0`, `size >= 1` and `0 <= rank < size` (`fit`, `evaluate`
    ///   and `predict` check the communicator before they shard).
    @inline(__always)
    public static func range(count: Int, rank: Int, size: Int) -> Range<Int> {
        (rank * count / size)..<((rank + 1) * count / size)
    }
}
